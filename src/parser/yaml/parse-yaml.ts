/**
 * The YAML front-end: a YAML config (docs/yaml-config.md) becomes the same syntax tree
 * (`AstFile`) the `.cfg` parser builds, so tree building, expansion and everything after it
 * are shared.
 */
import { ConfigError } from '../../errors.js';
import type { AstFile } from '../ast.js';
import type { ConfigFs } from '../config-fs.js';
import { includeRelated } from '../config-lines.js';
import type { IncludeContext, IncludeLoader } from '../parse-cfg.js';
import { YamlAstBuilder } from './yaml-ast-builder.js';
import { yamlLib } from './yaml-lib.js';
import { YamlSource } from './yaml-source.js';

export interface YamlParserOptions {
  /** Directory that relative paths are resolved against. */
  cwd: string;
  fs: ConfigFs;
  /** Receives every error; reading goes on with the next statement after one. */
  report: (error: ConfigError) => void;
  /** Deepest include nesting allowed. @default 64 */
  maxIncludeDepth?: number;
  /** Reads and parses included files (`.cfg` or YAML, by extension). */
  loadInclude: IncludeLoader;
}

/**
 * Parses YAML config text; `file` is how it is named in messages and `_name_map_file`.
 * YAML syntax errors are reported as `CFG_YAML_SYNTAX` (all of them, then nothing else is
 * read); wrong shapes as `CFG_YAML_SHAPE`; Cartesian text inside the YAML fails with the codes
 * `.cfg` uses.
 */
export function parseYaml(
  text: string,
  file: string,
  options: YamlParserOptions,
  context: IncludeContext = { chain: [], includedFrom: [] },
): AstFile {
  const lineCounter = new (yamlLib().LineCounter)();
  // The failsafe schema keeps every scalar as the text written (`64`, `yes`, `~`, `0x10`),
  // which is what a `.cfg` value is.
  const doc = yamlLib().parseDocument(text, {
    schema: 'failsafe',
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const source = new YamlSource(text, file, lineCounter, context.includedFrom);
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    for (const p of problems) {
      options.report(
        new ConfigError('CFG_YAML_SYNTAX', p.message, {
          location: source.location(p.pos[0], p.pos[1] - p.pos[0]),
          related: includeRelated(context.includedFrom),
        }),
      );
    }
    return { path: file, statements: [] };
  }
  const builder = new YamlAstBuilder(doc, source, {
    cwd: options.cwd,
    fs: options.fs,
    report: options.report,
    maxIncludeDepth: options.maxIncludeDepth ?? 64,
    loadInclude: options.loadInclude,
    context,
  });
  return { path: file, statements: builder.document() };
}
