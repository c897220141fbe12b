import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type * as ParamsSourceModule from '../../../src/cli/params/params-source.js';
import type * as WriteDictsModule from '../../../src/cli/params/write-dicts.js';
import type { DictEntryOptions } from '../../../src/cli/params/write-dicts.js';
import type * as ErrorsModule from '../../../src/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * `cartograph params` in several threads writes what one thread writes, byte for byte, errors
 * included. Worker threads run compiled JavaScript only, so this test drives dist/ (which
 * `npm test` builds from src/ first); it starts the workers at once and deals the chunks out
 * in turn, so that they do take part however fast this machine is.
 */
const dist = new URL('../../../dist/', import.meta.url);
const { writeDicts, BufferedWriter } = (await import(
  new URL('cli/params/write-dicts.js', dist).href
)) as typeof WriteDictsModule;
const { loadParamsSource } = (await import(
  new URL('cli/params/params-source.js', dist).href
)) as typeof ParamsSourceModule;
const { ConfigError } = (await import(new URL('errors.js', dist).href)) as typeof ErrorsModule;

/** Four blocks of five variants with filters, conditions, substitutions and suffixes. */
function config(extra = ''): string {
  const lines = ['base = 1', 'list = a'];
  for (let b = 0; b < 4; b++) {
    lines.push(`variants block${b}:`);
    for (let v = 0; v < 5; v++) {
      lines.push(`    - ${v === 0 ? '@' : ''}b${b}v${v}:`);
      lines.push(`        k${b} = ${b}-${v}`, `        list += " b${b}v${v}"`);
      lines.push(`        path = \${base}/b${b}v${v}`);
      if (v === 2 && b > 0) lines.push(`        no b${b - 1}v4`);
      if (v === 3 && b > 0) lines.push(`        b${b - 1}v1:`, `            hit = ${b}`);
      if (v === 4) lines.push(`        mem_b${b}v${v} = ${v * 256}`);
    }
  }
  lines.push('b0v2..b1v3:', '    special = yes', '!b2v4:', '    not_four = yes', extra);
  return lines.join('\n') + '\n';
}

interface Outcome {
  readonly text: string;
  readonly error?: string;
}

async function expand(
  cfgText: string,
  threads: number,
  entry: DictEntryOptions,
  fixed = true,
): Promise<Outcome> {
  const dir = tempDir('cartograph-threads-');
  writeFileSync(join(dir, 'x.cfg'), cfgText);
  const source = {
    file: 'x.cfg',
    extra: [],
    only: [],
    no: [],
    assign: [],
    defaults: false,
    expand: [],
    skipdups: true,
    cwd: dir,
  };
  const cfg = loadParamsSource(source, (e) => {
    throw e;
  });
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  const out = new BufferedWriter(stream);
  let error: string | undefined;
  try {
    const r = await writeDicts({
      cfg,
      source,
      entry,
      out,
      threads,
      tuning: { startAfterMs: 0, chunksPerThread: 4, fixed },
    });
    // With chunks dealt out in turn, the workers have some; claimed, maybe none.
    if (threads > 1 && fixed) expect(r.workerChunks).toBeGreaterThan(0);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    error = `${e.code} ${e.message} ${e.location?.line ?? '-'}`;
  }
  await out.flush();
  return error === undefined ? { text } : { text, error };
}

const LIST: DictEntryOptions = { format: 'list', fullname: false, contents: true };

describe('params in several threads', () => {
  it('writes the dicts of one thread, in order, in every format', async () => {
    for (const entry of [
      LIST,
      { ...LIST, contents: false, fullname: true },
      { format: 'jsonl', fullname: false, contents: false } as const,
    ]) {
      const one = await expand(config(), 1, entry);
      expect(one.error).toBeUndefined();
      expect(one.text.split('\n').length).toBeGreaterThan(400);
      for (const threads of [2, 3]) expect(await expand(config(), threads, entry)).toEqual(one);
    }
  });

  it('writes the same when threads claim chunks as they come', async () => {
    const one = await expand(config(), 1, LIST);
    for (const threads of [2, 3]) expect(await expand(config(), threads, LIST, false)).toEqual(one);
  });

  it('stops at the same dict with the same error, wherever the error is', async () => {
    // The empty ".." block fails when the walk reaches the node: in a chunk of this thread or
    // of a worker, depending on the variant.
    for (const at of ['b3v0..b2v1', 'b3v2..b2v3', 'b3v3..b1v4', 'b3v4']) {
      const text = config(`${at}:\n    only a .b`);
      const one = await expand(text, 1, LIST);
      expect(one.error).toMatch(/^CFG_EMPTY_FILTER_BLOCK/);
      for (const threads of [2, 3]) expect(await expand(text, threads, LIST)).toEqual(one);
    }
  });
});
