/**
 * Reads a text from procfs, trimmed; `undefined` when it cannot be read (the process is gone,
 * or there is no procfs: then only what is left can be checked).
 */
export function readProcText(read: () => string): string | undefined {
  try {
    return read().trim();
  } catch {
    return undefined;
  }
}
