/**
 * Writing the dicts of `cartograph params` in the reference's format or as JSON lines,
 * buffered, in one thread or several.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Params } from '../../params/index.js';
import {
  type CartesianConfig,
  dictToJson,
  type ExpandShare,
  type ParamDict,
  pyStr,
  shareDepth,
} from '../../parser/index.js';
import { ChunkClaims } from './chunk-claims.js';
import type { ParamsSource } from './params-source.js';
import { ShareWorker } from './share-worker.js';

/**
 * The text `cartograph params` prints for one dict. In the list format each entry starts with
 * `dict N:`, which only the writer knows (dicts may be expanded in several threads), so the
 * entry here is what follows the number.
 */
export interface DictEntryOptions {
  readonly format: 'list' | 'jsonl';
  /** Print the objects listed in this key, as a JSON list. */
  readonly objects?: string | undefined;
  /** Print the parameters of this object. */
  readonly objectParams?: string | undefined;
  readonly fullname: boolean;
  readonly contents: boolean;
}

/** Whether entries are numbered (`dict N:  ...`): the reference CLI's listing. */
export function isNumbered(o: DictEntryOptions): boolean {
  return o.objects === undefined && o.format === 'list';
}

/** The prefix of the n-th numbered entry. */
export function entryNumber(n: number): string {
  return `dict ${String(n).padStart(4)}:  `;
}

export function dictEntry(d: ParamDict, o: DictEntryOptions): string {
  if (o.objects !== undefined) return JSON.stringify(new Params(d).objects(o.objects)) + '\n';
  const shown =
    o.objectParams === undefined ? d : new Params(d).objectParams(o.objectParams).toMap();
  if (o.format === 'jsonl') return JSON.stringify(dictToJson(shown)) + '\n';
  const title = shown.get(o.fullname ? 'name' : 'shortname');
  let s = `${title === undefined ? '' : pyStr(title)}\n`;
  if (o.contents) {
    const keys = [...shown.keys()].sort(codePointCompare);
    for (const k of keys) s += `    ${k} = ${pyStr(shown.get(k) ?? '')}\n`;
  }
  return s;
}

/** Python sorts strings by code point, JavaScript by UTF-16 unit; they differ above U+FFFF. */
function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Collects output into large chunks and writes them with backpressure, so that millions of
 * lines stream at full speed without buffering the whole output in memory.
 */
export class BufferedWriter {
  private buf = '';
  private closed = false;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly chunk = 1 << 16,
  ) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      // A reader that went away (`| head`) ends the output; nothing else is lost.
      if (e.code === 'EPIPE') this.closed = true;
    });
  }

  /** True once the reader has gone away. */
  get isClosed(): boolean {
    return this.closed;
  }

  async write(text: string): Promise<void> {
    this.buf += text;
    if (this.buf.length >= this.chunk) await this.flush();
  }

  async flush(): Promise<void> {
    const data = this.buf;
    this.buf = '';
    if (data === '' || this.closed) return;
    if (this.stream.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }
}

/**
 * Writes the dicts of `cartograph params`, in order, expanding in several threads when the
 * expansion is long. The walk is cut into chunks (subtrees at one depth, see ExpandShare).
 * Only once this thread has been expanding for a while does it start workers. Every thread
 * walks the same tree and claims the chunks it gets to first (ChunkClaims), skipping the
 * others; workers send the entries of their chunks back, and this thread writes its own dicts
 * as they come and the workers' chunks in their places, so the output is the same as from one
 * thread, byte for byte.
 */
/**
 * Chunks per thread, counted without filters: filters leave far fewer (in avocado-i2n's
 * guest.cfg, one in five), and those must still be many to even out subtrees of unequal size.
 */
const CHUNKS_PER_THREAD = 1024;
/** Expansions that end sooner are not worth a worker's start-up. */
const START_AFTER_MS = 1000;
/** How many chunks per thread a thread may run ahead of the writer. */
const WINDOW_PER_THREAD = 32;

export interface WriteDictsOptions {
  readonly cfg: CartesianConfig;
  /** What `cfg` was loaded from, for the workers to load the same. */
  readonly source: ParamsSource;
  readonly entry: DictEntryOptions;
  readonly out: BufferedWriter;
  /** Threads to expand in, this one included. */
  readonly threads: number;
  /**
   * Tests: when to start workers, how fine to cut, and chunk c to thread c % threads (so that
   * workers get chunks of small configs too).
   */
  readonly tuning?: {
    readonly startAfterMs?: number;
    readonly chunksPerThread?: number;
    readonly fixed?: boolean;
  };
}

export interface WriteDictsResult {
  readonly dicts: number;
  /** Chunks that worker threads expanded. */
  readonly workerChunks: number;
}

/** The compiled worker; absent when running from the TypeScript sources (tests). */
const WORKER_SCRIPT = new URL('./params-worker.js', import.meta.url);

/** Throws the first config error of the expansion, after writing the dicts before it. */
export async function writeDicts(o: WriteDictsOptions): Promise<WriteDictsResult> {
  const numbered = isNumbered(o.entry);
  let count = 0;
  const write = (text: string): Promise<void> =>
    o.out.write(numbered ? entryNumber(++count) + text : text);
  const cut =
    o.threads > 1 && !o.source.defaults && existsSync(fileURLToPath(WORKER_SCRIPT))
      ? shareDepth(o.cfg.parser.root, (o.tuning?.chunksPerThread ?? CHUNKS_PER_THREAD) * o.threads)
      : undefined;
  if (cut === undefined) {
    for (const d of o.cfg.dicts()) {
      await write(dictEntry(d, o.entry));
      if (o.out.isClosed) break;
    }
    return { dicts: count, workerChunks: 0 };
  }

  const claims = new ChunkClaims(
    cut.chunks,
    WINDOW_PER_THREAD * o.threads,
    o.tuning?.fixed === true ? o.threads : undefined,
  );
  const workers = new Map<number, ShareWorker>();
  const started = performance.now();
  // Dealt-out chunks need their workers from the first chunk on.
  const startAfter = claims.fixed !== undefined ? 0 : (o.tuning?.startAfterMs ?? START_AFTER_MS);
  const share: ExpandShare = {
    depth: cut.depth,
    started: 0,
    current: -1,
    take: (c) => {
      if (c < 0) return true;
      if (workers.size === 0 && performance.now() - started >= startAfter) {
        for (let thread = 1; thread < o.threads; thread++) {
          const data = {
            source: o.source,
            entry: o.entry,
            depth: cut.depth,
            thread,
            claims: claims.memory,
            chunks: cut.chunks,
            window: claims.window,
            fixed: claims.fixed,
          };
          workers.set(thread, new ShareWorker(WORKER_SCRIPT, data, claims));
        }
      }
      return claims.claimForWriter(c);
    },
  };

  /** Chunks before this one are written. */
  let written = 0;
  let workerChunks = 0;
  /** Where this thread's walk is: its chunk, or between chunks, the next one. */
  const here = (): number => (share.current >= 0 ? share.current : share.started);
  /**
   * This thread's entries that wait for earlier chunks of workers, in walk order; `at` is
   * where they were expanded (they go out once every chunk before `at` is written).
   */
  const held: { readonly at: number; readonly entries: string[] }[] = [];
  /**
   * Writes what can be written in order: held entries and the workers' finished chunks,
   * up to where this thread is. With `wait`, waits for the workers' chunks on the way;
   * without, stops at the first one not finished. False when the reader has gone.
   */
  const flush = async (wait: boolean): Promise<boolean> => {
    for (;;) {
      while (held.length > 0 && (held[0] as (typeof held)[number]).at <= written) {
        for (const e of (held.shift() as (typeof held)[number]).entries) await write(e);
        if (o.out.isClosed) return false;
      }
      if (written >= here()) break;
      const thread = claims.owner(written);
      if (thread !== 0) {
        const w = workers.get(thread) as ShareWorker;
        const chunk = wait ? await w.chunk(written) : w.tryChunk(written);
        if (chunk === undefined) break;
        workerChunks++;
        for (const e of chunk.entries) await write(e);
        if (chunk.error !== undefined) throw chunk.error;
        if (o.out.isClosed) return false;
      }
      written++;
      claims.publish(written);
    }
    return true;
  };

  const dicts = o.cfg.dicts(share);
  let at = -1;
  try {
    for (;;) {
      let entry: string;
      try {
        const next = dicts.next();
        if (next.done === true) break;
        entry = dictEntry(next.value, o.entry);
      } catch (e) {
        // Everything before the error comes first (or an error of a worker before it).
        await flush(true);
        throw e;
      }
      if (here() !== at) {
        at = here();
        // Too far ahead of the writer: wait for the workers rather than hold more.
        if (!(await flush(at - written > claims.window))) break;
      }
      if (held.length === 0 && written === at) {
        await write(entry);
        if (o.out.isClosed) break;
      } else {
        const last = held[held.length - 1];
        if (last?.at === at) last.entries.push(entry);
        else held.push({ at, entries: [entry] });
      }
    }
    if (!o.out.isClosed) await flush(true);
  } finally {
    claims.release();
    await Promise.all([...workers.values()].map((w) => w.stop()));
  }
  return { dicts: count, workerChunks };
}
