/**
 * Reads the nodes config: every dict is a node variant (a setup step or a test). The whole
 * config is kept, not only what `only=` selects, because setup nodes are pulled in by the
 * states that selected nodes need.
 */
import type { ConfigError } from '../errors.js';
import { Params } from '../params/index.js';
import { CartesianConfig, type TreeNode } from '../parser/index.js';
import { labelsOf } from './load-objects.js';
import type { NodeVariant } from './node-variant.js';

export interface LoadNodesOptions {
  file: string;
  cwd: string;
  /** `KEY = VALUE` assignments applied after the file (command-line overrides). */
  assignments?: readonly (readonly [string, string])[];
  onError?: (e: ConfigError) => void;
}

export interface NodeSet {
  readonly variants: readonly NodeVariant[];
  /** The parse tree, to point at statements in diagnostics. */
  readonly tree: TreeNode;
}

export function loadNodes(options: LoadNodesOptions): NodeSet {
  const cfg = new CartesianConfig({
    cwd: options.cwd,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  cfg.parseFile(options.file);
  for (const [k, v] of options.assignments ?? []) cfg.assign(k, v);
  const variants: NodeVariant[] = [];
  for (const d of cfg.dicts()) {
    const params = new Params(d);
    const name = params.get('name') ?? '';
    variants.push({
      name,
      shortname: params.get('shortname') ?? '',
      params,
      labels: labelsOf(name),
      index: variants.length,
    });
  }
  return { variants, tree: cfg.parser.root };
}
