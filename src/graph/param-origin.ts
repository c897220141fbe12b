/**
 * Where a parameter of a dict was set: dicts keep no source locations per key (that would slow
 * the expander down for every dict), so when a value must be reported, the assignments of its
 * key are looked up in the parse tree, on the path of the dict, and the one that wrote the
 * value is picked.
 */
import type { RelatedLocation } from '../errors.js';
import {
  type CtxLabel,
  filterMatches,
  sourceLocation,
  type Statement,
  type TreeNode,
} from '../parser/index.js';

type SourceLocation = RelatedLocation['location'];
type AssignStatement = Extract<Statement, { kind: 'assign' }>;

/**
 * The nodes of the parse tree on the path of a dict with `labels` (those whose labels are all
 * among the dict's), from the root down: the newest statements first, since every variants
 * block wraps what was parsed before it.
 */
export function pathNodes(root: TreeNode, labels: readonly CtxLabel[]): TreeNode[] {
  const names = new Set(labels.map((l) => l.long));
  const seen = new Set<TreeNode>();
  const out: TreeNode[] = [];
  const visit = (n: TreeNode): void => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n.name.length > 0 && !n.name.every((l) => names.has(l.long))) return;
    out.push(n);
    for (const c of n.children) visit(c);
  };
  visit(root);
  return out;
}

/** Where a parameter got its value (see {@link paramOrigin}). */
export interface ParamOrigin {
  /** The key as written (`image_size_image1` for `image_size`). */
  readonly key: string;
  /** The value as written (before `${…}` substitution). */
  readonly value: string;
  /** The value in its line (the statement's line when the value is not found in it). */
  readonly location: SourceLocation;
  /** The include lines that led to the file, innermost first. */
  readonly related: readonly RelatedLocation[];
}

/** Which assignments {@link paramOrigin} considers. */
export interface ParamOriginOptions {
  /** The suffixes that scope the key (`image1`, `images`); any suffix when not given. */
  readonly suffixes?: ReadonlySet<string> | undefined;
  /**
   * Only an assignment whose value holds the value: for a config that may not be where the
   * value came from (a node's, over the object's). @default false
   */
  readonly byValueOnly?: boolean;
}

/** The file name statements made from command-line tokens carry. */
const TOKENS_FILE = '<string>';

/**
 * Where parameter `key` of the dict with `labels` got `value`. Candidates are the assignments
 * on the dict's path (conditions included when they match the dict's labels) whose key is
 * `key` or `key` with object suffixes (`image_size_image1`, `set_mode_images`; only those of
 * `suffixes` when given), in the order
 * the expander applies them: the last that wrote exactly `value` wins, else the last that
 * wrote a part of it (`+=`, `${…}`) or a list holding it (`vms = vm1 vm2`), else (unless
 * `byValueOnly`) the last one. `undefined` when no statement on the
 * path names the key (a default). Only called to report a problem: it walks the tree once.
 */
export function paramOrigin(
  root: TreeNode,
  labels: readonly CtxLabel[],
  key: string,
  value: string | undefined,
  options: ParamOriginOptions = {},
): ParamOrigin | undefined {
  const { suffixes } = options;
  const candidates: AssignStatement[] = [];
  const collect = (items: readonly Statement[]): void => {
    for (const s of items) {
      if (s.kind === 'cond') {
        if (filterMatches(s.filter, labels) !== s.negated) collect(s.body);
      } else if (s.kind === 'assign' && scopes(s.key, key, suffixes)) {
        candidates.push(s);
      }
    }
  };
  // Deepest node first: the order in which the expander applies their statements.
  for (const node of pathNodes(root, labels).reverse()) collect(node.content);
  const wanted = value?.trim();
  const last = (ok: (s: AssignStatement) => boolean): AssignStatement | undefined =>
    candidates.findLast(ok);
  const byValue =
    (wanted === undefined ? undefined : last((s) => s.value.trim() === wanted)) ??
    (wanted === undefined || wanted === ''
      ? undefined
      : (last((s) => s.value.trim() !== '' && wanted.includes(s.value.trim())) ??
        last((s) => s.value.includes(wanted))));
  const picked =
    byValue ??
    (options.byValueOnly === true ? undefined : (last((s) => s.key === key) ?? candidates.at(-1)));
  if (picked === undefined) return undefined;
  // One name of a list (`vms = vm1 vm$2`): point at it rather than at the whole value.
  const focus =
    wanted !== undefined && wanted !== '' && picked.value.trim() !== wanted ? wanted : undefined;
  return originOf(picked, focus !== undefined && picked.value.includes(focus) ? focus : undefined);
}

/** Whether `written` is `key`, or `key` followed by `_suffix` parts (any, without `suffixes`). */
function scopes(written: string, key: string, suffixes: ReadonlySet<string> | undefined): boolean {
  if (written === key) return true;
  if (!written.startsWith(`${key}_`)) return false;
  if (suffixes === undefined) return true;
  // Object names may hold "_" themselves: try every split of the rest into known suffixes.
  const rest = written.slice(key.length + 1);
  const splits = (from: number): boolean => {
    if (from === rest.length) return true;
    for (const suffix of suffixes) {
      if (rest.startsWith(suffix, from)) {
        const end = from + suffix.length;
        if (end === rest.length || (rest[end] === '_' && splits(end + 1))) return true;
      }
    }
    return false;
  };
  return splits(0);
}

/**
 * The location of an assignment's value (of `focus` in it, when given), with the include
 * chain that led to its file.
 */
function originOf(s: AssignStatement, focus?: string): ParamOrigin {
  const line = sourceLocation(s.src);
  const raw = line.sourceLine ?? '';
  const keyAt = raw.indexOf(s.key);
  const valueAt = s.value === '' ? -1 : raw.indexOf(s.value, keyAt < 0 ? 0 : keyAt + s.key.length);
  const shown = focus ?? s.value;
  const at = valueAt < 0 || focus === undefined ? valueAt : raw.indexOf(focus, valueAt);
  const fromTokens = s.src.file === TOKENS_FILE;
  const location: SourceLocation =
    at < 0
      ? line
      : {
          ...line,
          column: [...raw.slice(0, at)].length + 1,
          length: [...shown].length,
        };
  return {
    key: s.key,
    value: s.value,
    location: fromTokens ? { ...location, file: '<command line>' } : location,
    related: (s.src.includedFrom ?? []).map((site) => ({
      message: 'included from here',
      location: sourceLocation(site),
    })),
  };
}
