/**
 * The reference's `Parser`: files and strings are parsed into syntax trees and appended, each
 * as a new top level, to one parse DAG (`root`), which the expander turns into dicts.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { AstFile } from './ast.js';
import { TreeBuilder } from './build-tree.js';
import { type ConfigFs, nodeConfigFs } from './config-fs.js';
import { CfgParser, type IncludeContext, type IncludeLoader } from './parse-cfg.js';
import { TreeNode } from './tree.js';
import { isYamlPath, parseYaml, type YamlParserOptions } from './yaml/index.js';

export interface ParserOptions {
  /** Defaults mode (`-d`): only the default variant of each block is expanded when it yields. */
  defaults?: boolean;
  /** Names of blocks that get no default in defaults mode (`-e`). */
  expandDefaults?: readonly string[];
  /** Directory that relative paths are resolved against. @default process.cwd() */
  cwd?: string;
  fs?: ConfigFs;
  /**
   * Receives every error found; parsing goes on after recoverable ones so that all are
   * reported at once. @default throws the first error
   */
  onError?: (error: ConfigError) => void;
  /** Deepest include nesting allowed. @default 64 */
  maxIncludeDepth?: number;
}

export class CartesianParser {
  /** The current root of the DAG; each variants block wraps the previous root. */
  root = new TreeNode();
  readonly defaults: boolean;
  readonly expandDefaults: readonly string[];
  private readonly cwd: string;
  private readonly fs: ConfigFs;
  private readonly cfg: CfgParser;
  private readonly yaml: YamlParserOptions;
  private readonly builder: TreeBuilder;
  private readonly onError: (error: ConfigError) => void;
  private errorCount = 0;

  constructor(options: ParserOptions = {}) {
    this.defaults = options.defaults ?? false;
    this.expandDefaults = options.expandDefaults ?? [];
    this.cwd = options.cwd ?? process.cwd();
    this.fs = options.fs ?? nodeConfigFs;
    this.onError =
      options.onError ??
      ((e) => {
        throw e;
      });
    const report = (e: ConfigError): void => {
      this.errorCount++;
      this.onError(e);
    };
    const loadInclude: IncludeLoader = (abs, display, context) => this.load(abs, display, context);
    const depth =
      options.maxIncludeDepth === undefined ? {} : { maxIncludeDepth: options.maxIncludeDepth };
    this.cfg = new CfgParser({ cwd: this.cwd, fs: this.fs, report, ...depth, loadInclude });
    this.yaml = { cwd: this.cwd, fs: this.fs, report, ...depth, loadInclude };
    this.builder = new TreeBuilder({
      defaults: this.defaults,
      expandDefaults: this.expandDefaults,
      report,
    });
  }

  /** Number of errors reported so far; the tree must not be expanded when it is not 0. */
  get errors(): number {
    return this.errorCount;
  }

  /** Parses a file as a new top level. */
  parseFile(path: string): void {
    const abs = resolve(this.cwd, path);
    let ast: AstFile;
    try {
      ast = this.load(abs, path, { chain: [this.fs.realpath(abs)], includedFrom: [] });
    } catch (e) {
      if (!(e instanceof ConfigError) || e.code !== 'CFG_READ') throw e;
      this.errorCount++;
      this.onError(
        new ConfigError(e.code, e.message, {
          location: { file: path, line: 0, column: 0 },
          cause: e,
        }),
      );
      return;
    }
    this.add(ast);
  }

  /** Parses config text as a new top level (the reference's `parse_string`). */
  parseString(text: string): void {
    this.add(this.cfg.parseText(text, '<string>'));
  }

  /** Appends an already parsed syntax tree as a new top level. */
  add(ast: AstFile): void {
    this.root = this.builder.build(ast.statements, this.root);
  }

  /** `only FILTER` appended as config text. */
  onlyFilter(filter: string): void {
    this.parseString(`only ${filter}`);
  }

  /** `no FILTER` appended as config text. */
  noFilter(filter: string): void {
    this.parseString(`no ${filter}`);
  }

  /** `KEY = VALUE` appended as config text. */
  assign(key: string, value: string): void {
    this.parseString(`${key} = ${value}`);
  }

  /** Reads and parses one file (YAML by extension, else `.cfg`); unreadable throws CFG_READ. */
  private load(abs: string, display: string, context: IncludeContext): AstFile {
    const text = this.fs.readText(abs);
    return isYamlPath(abs)
      ? parseYaml(text, display, this.yaml, context)
      : this.cfg.parseText(text, display, context);
  }
}
