/** cartograph's library API (re-exports only). */
export * from './errors.js';
export type { SourceLocation } from './source/source-location.js';
export { CartesianConfig, type CartesianConfigOptions } from './parser/cartesian-config.js';
export { CartesianParser, type ParserOptions } from './parser/parser.js';
export { expandTree, type ExpandOptions, type ExpandShare } from './parser/expander.js';
export { shareDepth, type ShareCut } from './parser/share-depth.js';
export { dictToJson, type ParamDict, type ParamValue } from './parser/dict.js';
export { Params } from './params/params.js';
export { main } from './cli/main.js';
