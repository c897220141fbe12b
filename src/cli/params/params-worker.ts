import { isMainThread, workerData } from 'node:worker_threads';
import { ConfigError } from '../../errors.js';
import type { ExpandShare } from '../../parser/index.js';
import { ChunkClaims } from './chunk-claims.js';
import { loadParamsSource } from './params-source.js';
import type { ShareMessage, ShareWorkerData } from './share-worker.js';
import { dictEntry } from './write-dicts.js';

/**
 * A worker thread of `cartograph params`: loads the same config as the main thread, expands
 * its share of the chunks and sends their entries back in chunk order (see write-dicts.ts).
 */
if (isMainThread) throw new Error('params-worker.js runs as a worker thread only');
const data = workerData as ShareWorkerData;
/** Entries worth a message of their own. */
const BATCH = 512;
const claims = new ChunkClaims(data.chunks, data.window, data.fixed, data.claims);
const post = (m: ShareMessage): void => {
  data.port.postMessage(m);
  claims.sent();
};

/** Finished chunks not sent yet, with their entries, and the chunk being expanded. */
let finished: [number, string[]][] = [];
let held = 0;
let entries: string[] = [];
let chunk = -1;
/** The first chunk claimed since the last message (maybe without entries). */
let unsent: number | undefined;
const send = (through: number, last?: Pick<ShareMessage, 'end' | 'error'>): void => {
  post({ through, chunks: finished, ...last });
  finished = [];
  held = 0;
  unsent = undefined;
};

const share: ExpandShare = {
  depth: data.depth,
  started: 0,
  current: -1,
  take: (c) => {
    if (c < 0) return false;
    // Every chunk of this worker before c is finished. Send them when there are enough to be
    // worth a message, when the writer has got to them, and before waiting for the writer.
    if (unsent !== undefined && (held >= BATCH || claims.written >= unsent)) send(c);
    const mine = claims.claimForWorker(c, data.thread, () => {
      send(c);
    });
    if (mine) unsent ??= c;
    return mine;
  },
};

// Parse errors were reported by the main thread, which starts workers only without them.
const cfg = loadParamsSource(data.source, () => undefined);
try {
  for (const d of cfg.dicts(share)) {
    if (share.current !== chunk) {
      chunk = share.current;
      entries = [];
      finished.push([chunk, entries]);
    }
    entries.push(dictEntry(d, data.entry));
    held++;
  }
  send(share.started, { end: true });
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  const at = share.current;
  const { code, message, location, related, hint } = e;
  send(at >= 0 ? at + 1 : share.started, {
    end: true,
    error: { chunk: at, data: { code, message, location, related, hint } },
  });
}
