/**
 * Worker threads that share a long expansion: the messages between the main thread and the
 * workers, and the worker's side.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from 'node:worker_threads';
import {
  CartographError,
  ConfigError,
  type ConfigErrorCode,
  type RelatedLocation,
} from '../../errors.js';
import type { SourceLocation } from '../../source/index.js';
import type { ChunkClaims } from './chunk-claims.js';
import type { ParamsSource } from './params-source.js';
import type { DictEntryOptions } from './write-dicts.js';

/**
 * What the main thread and the expansion workers of `cartograph params` exchange (see
 * write-dicts.ts). Everything here is plain data that structured cloning copies.
 */
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

/**
 * The main thread's side of one expansion worker (params-worker.ts): collects the entries of
 * the chunks it finished and hands them out in chunk order. Messages are read off the port
 * synchronously, so the writer can see what has arrived between two of its own dicts without
 * going through the event loop.
 */
export interface WorkerChunk {
  readonly entries: readonly string[];
  /** The config error that stopped the expansion after these entries. */
  readonly error?: ConfigError;
}

/** How long to block for a message before letting the event loop report a dead worker. */
const WAIT_SLICE_MS = 20;

export class ShareWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private through = 0;
  private readonly chunks = new Map<number, readonly string[]>();
  private last: ShareMessage | undefined;
  private failure: Error | undefined;

  constructor(
    script: URL,
    data: Omit<ShareWorkerData, 'port'>,
    private readonly claims: ChunkClaims,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(script, {
      workerData: { ...data, port: port2 },
      transferList: [port2],
    });
    this.worker.on('error', (e) => {
      this.failure = e;
    });
    this.worker.on('exit', (code) => {
      this.poll();
      if (this.last === undefined) {
        this.failure ??= new CartographError('INTERNAL', `expansion worker exited (${code})`);
      }
    });
  }

  /** Chunk c (one of this worker's) if it is finished, else undefined. */
  tryChunk(c: number): WorkerChunk | undefined {
    this.poll();
    if (this.through > c) return this.take(c);
    if (this.failure !== undefined) throw this.failure;
    if (this.last !== undefined) {
      // Stopped before chunk c: only an error between chunks does that, and the main thread
      // meets it itself before it asks for a later chunk.
      throw new CartographError('INTERNAL', `expansion worker stopped before chunk ${c}`);
    }
    return undefined;
  }

  /** Waits until chunk c (one of this worker's) is finished. */
  async chunk(c: number): Promise<WorkerChunk> {
    for (;;) {
      const seen = this.claims.sentCount;
      const chunk = this.tryChunk(c);
      if (chunk !== undefined) return chunk;
      this.claims.waitForSent(seen, WAIT_SLICE_MS);
      // Worker errors and exits arrive as events.
      if (this.claims.sentCount === seen) await nextTurn();
    }
  }

  async stop(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }

  private poll(): void {
    for (;;) {
      const r = receiveMessageOnPort(this.port);
      if (r === undefined) return;
      const m = r.message as ShareMessage;
      for (const [c, entries] of m.chunks) this.chunks.set(c, entries);
      this.through = m.through;
      if (m.end === true) this.last = m;
    }
  }

  private take(c: number): WorkerChunk {
    const entries = this.chunks.get(c) ?? [];
    this.chunks.delete(c);
    const e = this.last?.error;
    if (e?.chunk !== c) return { entries };
    const { code, message, location, related, hint } = e.data;
    return {
      entries,
      error: new ConfigError(code, message, {
        ...(location === undefined ? {} : { location }),
        related,
        ...(hint === undefined ? {} : { hint }),
      }),
    };
  }
}
