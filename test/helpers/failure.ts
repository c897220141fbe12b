/** The error a promise rejects with, checked to be of class `type` (the test fails otherwise). */
export async function failure<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof type)) {
    throw new Error(`expected a ${type.name}, got ${String(error)}`);
  }
  return error;
}
