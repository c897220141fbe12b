/** parser: the public face of this folder (re-exports only). */
export { convertConfig, parseFilterText } from './yaml/index.js';
export { CartesianConfig, type CartesianConfigOptions } from './cartesian-config.js';
export { type ExpandShare, type ExpandOptions, expandTree } from './expander.js';
export { dictToJson, type ParamDict, type ParamValue } from './dict.js';
export { pyStr, pySplitWhitespace, pyStrip } from './python-text.js';
export { shareDepth, type ShareCut } from './share-depth.js';
export { type Filter, type CtxLabel, makeLabel } from './filter.js';
export { filterMatches } from './filter-match.js';
export { LineError } from './token-reader.js';
export { sourceLocation } from './config-lines.js';
export type { Statement, TreeNode } from './tree.js';
export { CartesianParser, type ParserOptions } from './parser.js';
