/**
 * What the main thread and the expansion workers of `cartograph params` exchange (see
 * write-dicts.ts). Everything here is plain data that structured cloning copies.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ConfigErrorCode, RelatedLocation } from '../errors.js';
import type { SourceLocation } from '../source/source-location.js';
import type { DictEntryOptions } from './dict-entry.js';
import type { ParamsSource } from './params-source.js';

export interface ShareWorkerData {
  readonly source: ParamsSource;
  readonly entry: DictEntryOptions;
  /** ExpandShare.depth. */
  readonly depth: number;
  /** This worker's thread number (the main thread is 0). */
  readonly thread: number;
  /** The memory of the ChunkClaims, with its size arguments. */
  readonly claims: SharedArrayBuffer;
  readonly chunks: number;
  readonly window: number;
  readonly fixed: number | undefined;
  /** Where the worker sends its ShareMessages. */
  readonly port: MessagePort;
}

/** A ConfigError as data. */
export interface ErrorData {
  readonly code: ConfigErrorCode;
  readonly message: string;
  readonly location: SourceLocation | undefined;
  readonly related: readonly RelatedLocation[];
  readonly hint: string | undefined;
}

/**
 * The entries of finished chunks: every chunk of the worker before `through` is finished (a
 * chunk without entries does not appear). The last message has `end`, and `error` when a
 * config error stopped the expansion (in `chunk`, after the entries sent for it; -1 when
 * between chunks, where the main thread meets the same error itself).
 */
export interface ShareMessage {
  readonly through: number;
  readonly chunks: readonly (readonly [number, readonly string[]])[];
  readonly end?: boolean;
  readonly error?: { readonly chunk: number; readonly data: ErrorData };
}
