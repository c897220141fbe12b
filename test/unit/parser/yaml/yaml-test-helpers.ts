/** Shared helpers of the YAML front-end tests: an in-memory file system and parse shortcuts. */
import { posix } from 'node:path';
import { ConfigError } from '../../../../src/errors.js';
import type { AstFile, AstStatement } from '../../../../src/parser/ast.js';
import { CartesianConfig } from '../../../../src/parser/cartesian-config.js';
import type { ConfigFs } from '../../../../src/parser/config-fs.js';
import { dictToJson } from '../../../../src/parser/dict.js';
import { CfgParser, type IncludeLoader } from '../../../../src/parser/parse-cfg.js';
import { parseYaml } from '../../../../src/parser/yaml/parse-yaml.js';

export const CWD = '/mem';

/** Files by path relative to `/mem`. */
export function memoryFs(files: Readonly<Record<string, string>>): ConfigFs {
  const abs = (p: string): string => posix.resolve(CWD, p);
  const table = new Map(Object.entries(files).map(([p, t]) => [abs(p), t]));
  return {
    readText(path) {
      const text = table.get(abs(path));
      if (text === undefined) throw new ConfigError('CFG_READ', `cannot read ${path} (ENOENT)`);
      return text;
    },
    isFile: (path) => table.has(abs(path)),
    realpath: (path) => abs(path),
  };
}

const stubInclude: IncludeLoader = (_abs, display) => ({ path: display, statements: [] });

export interface Parsed {
  ast: AstFile;
  errors: ConfigError[];
}

/** Parses YAML text as the file `t.yaml`; includes are checked to exist but not read. */
export function yaml(text: string, files: Readonly<Record<string, string>> = {}): Parsed {
  const errors: ConfigError[] = [];
  const ast = parseYaml(text, 't.yaml', {
    cwd: CWD,
    fs: memoryFs({ 't.yaml': text, ...files }),
    report: (e) => errors.push(e),
    loadInclude: stubInclude,
  });
  return { ast, errors };
}

/** Parses `.cfg` text as the file `t.cfg`; includes are checked to exist but not read. */
export function cfg(text: string, files: Readonly<Record<string, string>> = {}): Parsed {
  const errors: ConfigError[] = [];
  const ast = new CfgParser({
    cwd: CWD,
    fs: memoryFs({ 't.cfg': text, ...files }),
    report: (e) => errors.push(e),
    loadInclude: stubInclude,
  }).parseText(text, 't.cfg');
  return { ast, errors };
}

/** A syntax tree without source positions or included trees: what the text says. */
export function shape(statements: readonly AstStatement[]): unknown {
  return JSON.parse(
    JSON.stringify(statements, (key, value: unknown) =>
      key === 'src' || key === 'file' ? undefined : value,
    ),
  ) as unknown;
}

/** The dicts of `entry` (with its includes) among `files`, as JSON data. */
export function dicts(files: Readonly<Record<string, string>>, entry: string): unknown[] {
  const config = new CartesianConfig({ cwd: CWD, fs: memoryFs(files) });
  config.parseFile(entry);
  return [...config.dicts()].map((d) => dictToJson(d));
}

/** The errors of parsing `entry` with the full parser (includes followed). */
export function parseErrors(files: Readonly<Record<string, string>>, entry: string): ConfigError[] {
  const errors: ConfigError[] = [];
  const config = new CartesianConfig({
    cwd: CWD,
    fs: memoryFs(files),
    onError: (e) => errors.push(e),
  });
  config.parseFile(entry);
  return errors;
}
