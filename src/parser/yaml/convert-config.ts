/**
 * One config file in the other syntax: `.cfg` → YAML, `.yaml`/`.yml` → `.cfg` (or the syntax
 * asked for). Conversion is per file: include lines are kept as written, and the included
 * files are checked to exist but not read, so each file of a suite converts on its own.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import type { AstFile } from '../ast.js';
import { nodeConfigFs, type ConfigFs } from '../config-fs.js';
import { CfgParser, type IncludeContext, type IncludeLoader } from '../parse-cfg.js';
import { isYamlPath } from './is-yaml-path.js';
import { parseYaml } from './parse-yaml.js';
import { printCfg } from './print-cfg.js';
import type { PrintOptions } from './print-options.js';
import { printYaml } from './print-yaml.js';

export interface ConvertConfigOptions extends PrintOptions {
  /** Directory that relative paths are resolved against. */
  cwd: string;
  /** @default the real file system */
  fs?: ConfigFs;
  /** Receives every error found. */
  report: (error: ConfigError) => void;
  /** The syntax to print. @default the other one than the file's */
  to?: 'yaml' | 'cfg';
}

/** The converted text, or undefined when errors were reported. */
export function convertConfig(path: string, options: ConvertConfigOptions): string | undefined {
  const fs = options.fs ?? nodeConfigFs;
  const abs = resolve(options.cwd, path);
  let errors = 0;
  const report = (e: ConfigError): void => {
    errors++;
    options.report(e);
  };
  let text: string;
  try {
    text = fs.readText(abs);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    report(
      new ConfigError(e.code, e.message, {
        location: { file: path, line: 0, column: 0 },
        cause: e,
      }),
    );
    return undefined;
  }
  // Included files are not part of the conversion; they only have to exist.
  const loadInclude: IncludeLoader = (_abs, display) => ({ path: display, statements: [] });
  const context: IncludeContext = { chain: [fs.realpath(abs)], includedFrom: [] };
  const yaml = isYamlPath(abs);
  const ast: AstFile = yaml
    ? parseYaml(text, path, { cwd: options.cwd, fs, report, loadInclude }, context)
    : new CfgParser({ cwd: options.cwd, fs, report, loadInclude }).parseText(text, path, context);
  if (errors > 0) return undefined;
  const print = (options.to ?? (yaml ? 'cfg' : 'yaml')) === 'yaml' ? printYaml : printCfg;
  try {
    return print(
      ast,
      options.includePath === undefined ? {} : { includePath: options.includePath },
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    report(e);
    return undefined;
  }
}
