/** source: the public face of this folder (re-exports only). */
export type { SourceLocation } from './source-location.js';
