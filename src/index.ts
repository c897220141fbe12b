/** cartograph's library API (re-exports only). */
export * from './errors.js';
export type { SourceLocation } from './source/index.js';
export {
  CartesianConfig,
  type CartesianConfigOptions,
  CartesianParser,
  dictToJson,
  type ExpandOptions,
  type ExpandShare,
  expandTree,
  type ParamDict,
  type ParamValue,
  type ParserOptions,
  type ShareCut,
  shareDepth,
} from './parser/index.js';
export { Params } from './params/index.js';
export { main } from './cli/index.js';
