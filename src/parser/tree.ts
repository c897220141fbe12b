/**
 * The parse tree of a Cartesian config (a DAG: every variant of a block has the node that was
 * current before the block as its only child). See cartesian-spec §8.
 */
import type { ConfigLine } from './config-lines.js';
import type { CtxLabel, Filter } from './filter.js';
import type { Operator } from './lexer.js';

/** Where a statement was written. */
export interface StatementSource {
  /** The file as the user or the including file spelled it, or `<string>`. */
  readonly file: string;
  readonly line: ConfigLine;
  /** The chain of include lines that led to this file, innermost first. */
  readonly includedFrom?: readonly IncludeSite[];
}

export interface IncludeSite {
  readonly file: string;
  readonly line: ConfigLine;
}

export interface AssignStatement {
  readonly kind: 'assign';
  readonly op: Operator;
  readonly key: string;
  readonly value: string;
  readonly src: StatementSource;
}

export interface DelStatement {
  readonly kind: 'del';
  readonly key: string;
  readonly src: StatementSource;
}

export interface FilterStatement {
  readonly kind: 'only' | 'no';
  readonly filter: Filter;
  readonly src: StatementSource;
}

export interface ConditionStatement {
  readonly kind: 'cond';
  /** `!filter:` applies its body to dicts that do NOT match. */
  readonly negated: boolean;
  readonly filter: Filter;
  readonly body: Statement[];
  readonly src: StatementSource;
  /** Unique number of the condition (in this process), for the expander's per-path log. */
  readonly cid: number;
}

export interface JoinStatement {
  readonly kind: 'join';
  readonly filter: Filter;
  readonly src: StatementSource;
}

export interface SuffixStatement {
  readonly kind: 'suffix';
  readonly suffix: string;
  readonly src: StatementSource;
}

/** Records a variant's labels in `_name_map_file` / `_short_name_map_file`. */
export interface MapFileStatement {
  readonly kind: 'mapfile';
  /** Basename of the file the variant is defined in, or `<string>`. */
  readonly file: string;
  readonly long: string;
  readonly short: string;
}

export type Statement =
  | AssignStatement
  | DelStatement
  | FilterStatement
  | ConditionStatement
  | JoinStatement
  | SuffixStatement
  | MapFileStatement;

/** A node of the parse DAG. */
export class TreeNode {
  /** Labels this node adds to a dict's name (a variant: its dotted name parts). */
  name: readonly CtxLabel[] = [];
  /** Name of the block a variant belongs to; only set on variant nodes of named blocks. */
  varName: string | undefined = undefined;
  content: Statement[] = [];
  children: TreeNode[] = [];
  /** The variant's dependencies (`- name: deps`), annotations only. */
  dep: Filter | undefined = undefined;
  /** The block default (`@` or `[default=…]`), used by defaults mode. */
  isDefault = false;
  /** False for default variants, which do not appear in `shortname`. */
  appendToShortname = false;
  /** Where the variant's dash line is. */
  src: StatementSource | undefined = undefined;
}
