/**
 * The parser's convenience API, shaped like the reference's `Parser`: parse files and strings
 * (each a new top level), add `only` / `no` / assignments, then iterate the dicts.
 */
import type { ParamDict } from './dict.js';
import { type ExpandOptions, type ExpandShare, expandTree } from './expander.js';
import { CartesianParser, type ParserOptions } from './parser.js';

export interface CartesianConfigOptions extends ParserOptions {
  /** @see ExpandOptions.skipdups @default true */
  skipdups?: boolean;
  /** @see ExpandOptions.maxJoinOperand */
  maxJoinOperand?: number;
}

export class CartesianConfig {
  readonly parser: CartesianParser;
  private readonly expandOptions: ExpandOptions;

  constructor(options: CartesianConfigOptions = {}) {
    this.parser = new CartesianParser(options);
    this.expandOptions = {
      skipdups: options.skipdups ?? true,
      defaults: this.parser.defaults,
      expandDefaults: this.parser.expandDefaults,
      ...(options.maxJoinOperand === undefined ? {} : { maxJoinOperand: options.maxJoinOperand }),
    };
  }

  parseFile(path: string): this {
    this.parser.parseFile(path);
    return this;
  }

  parseString(text: string): this {
    this.parser.parseString(text);
    return this;
  }

  onlyFilter(filter: string): this {
    this.parser.onlyFilter(filter);
    return this;
  }

  noFilter(filter: string): this {
    this.parser.noFilter(filter);
    return this;
  }

  assign(key: string, value: string): this {
    this.parser.assign(key, value);
    return this;
  }

  /**
   * The dicts, lazily (with a `share`, that share's; see ExpandShare). Errors found while
   * expanding are thrown when reached.
   */
  dicts(share?: ExpandShare): Generator<ParamDict> {
    return expandTree(this.parser.root, this.expandOptions, share);
  }
}
