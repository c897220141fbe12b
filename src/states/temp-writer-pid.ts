/**
 * The pid recorded in a temporary file name made by `tempPath` for `name`
 * (`.<name>.<pid>.<hex>.tmp`), or `undefined` when `file` (a base name) is not one.
 */
export function tempWriterPid(file: string, name: string): number | undefined {
  const prefix = `.${name}.`;
  if (!file.startsWith(prefix) || !file.endsWith('.tmp')) return undefined;
  const m = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(file.slice(prefix.length));
  return m === null ? undefined : Number(m[1]);
}
