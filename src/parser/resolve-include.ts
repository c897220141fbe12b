import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigFs } from './config-fs.js';
import { LineError } from './token-reader.js';

/** An include target found and checked. */
export interface ResolvedInclude {
  /** The path as messages and `_name_map_file` show it (joined with the includer's directory). */
  readonly path: string;
  readonly abs: string;
  /** Canonical path, for loop detection. */
  readonly real: string;
}

/**
 * Resolves `include PATH` written in `from.file` (cartesian-spec §5.8), for `.cfg` and YAML
 * configs alike: `~` expanded, relative paths joined with the includer's directory (with the
 * cwd for text that is not a file), the target must be a regular file, loops and too deep
 * nesting are errors. Throws a `LineError` at `pos`, the position of the path.
 */
export function resolveInclude(
  raw: string,
  from: { readonly file: string; readonly isFile: boolean; readonly chain: readonly string[] },
  cwd: string,
  fs: ConfigFs,
  maxDepth: number,
  pos = 0,
): ResolvedInclude {
  let path = expandUser(raw);
  if (from.isFile && !isAbsolute(path)) path = pyJoin(pyDirname(from.file), path);
  const abs = resolve(cwd, path);
  if (!fs.isFile(abs)) {
    throw new LineError(
      'CFG_MISSING_INCLUDE',
      `include: ${path} does not exist or is not a regular file` +
        (raw.includes('#') ? ' (a "#" after include is part of the path, not a comment)' : ''),
      pos,
    );
  }
  const real = fs.realpath(abs);
  if (from.chain.includes(real)) {
    const chain = [...from.chain.slice(from.chain.indexOf(real)), real];
    throw new LineError(
      'CFG_INCLUDE_LOOP',
      `include loop: ${chain.map((p) => displayPath(p, cwd)).join(' -> ')}`,
      pos,
    );
  }
  if (from.chain.length > maxDepth) {
    throw new LineError('CFG_INCLUDE_DEPTH', `includes nested deeper than ${maxDepth} files`, pos);
  }
  return { path, abs, real };
}

/** `os.path.expanduser` for `~` and `~/…`. */
function expandUser(p: string): string {
  if (p === '~' || p.startsWith('~/')) return homedir() + p.slice(1);
  return p;
}

/** `os.path.dirname`. */
function pyDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head !== '' && !/^\/+$/.test(head)) head = head.replace(/\/+$/, '');
  return head;
}

/** `os.path.join(a, b)`: no normalisation, so messages show paths as the reference does. */
function pyJoin(a: string, b: string): string {
  if (b.startsWith('/') || a === '') return b;
  return a.endsWith('/') ? a + b : `${a}/${b}`;
}

function displayPath(real: string, cwd: string): string {
  return real.startsWith(cwd + '/') ? real.slice(cwd.length + 1) : real;
}
