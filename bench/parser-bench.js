// Parser benchmark: throughput of `cartograph params` (dicts/s, including process start) and
// peak memory on synthetic configs of ~10k, ~100k and ~1M dicts and on the real suites, next
// to the reference parser's times on this 2-core machine (from the parser issue). The long
// expansions run twice: with the default threads and with one (`-j 1`).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateConfig } from './generate-config.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench', 'out');
const corpus = process.env.CARTOGRAPH_CORPUS ?? join(root, '..', 'shared', 'cartesian-corpus');
const cli = join(root, 'bin', 'cartograph.js');

/** Runs the CLI, counting output lines; resolves with wall time (ms), lines and peak RSS. */
function runCli(args, cwd, wrapper = false) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const entry = wrapper ? join(root, 'bench', 'rss-wrapper.js') : cli;
    const child = spawn(process.execPath, [entry, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    let err = '';
    child.stdout.on('data', (b) => {
      for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++;
    });
    child.stderr.on('data', (b) => (err += b));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0)
        return reject(new Error(`cartograph ${args.join(' ')} exited ${code}: ${err}`));
      const rss = /maxrss_kb=(\d+)/.exec(err);
      resolve({ ms, lines, rssKb: rss ? Number(rss[1]) : undefined });
    });
  });
}

export async function parserBench({ quick = false } = {}) {
  mkdirSync(out, { recursive: true });
  const cases = [
    { name: 'synthetic ~10k', sizes: [10, 10, 10, 10], refSeconds: 0.48, runs: 5 },
    { name: 'synthetic ~100k', sizes: [10, 10, 10, 10, 10], refSeconds: 5.8, runs: 3 },
    { name: 'synthetic ~1M', sizes: [10, 10, 10, 10, 10, 10], refSeconds: 66, runs: 1 },
  ].map((c) => {
    const file = join(out, `synthetic-${c.sizes.length}.cfg`);
    writeFileSync(file, generateConfig(c.sizes));
    return { ...c, cwd: out, args: ['params', file] };
  });
  if (existsSync(corpus)) {
    const real = join(corpus, 'real');
    cases.push(
      {
        name: 'i2n guest.cfg (unrestricted)',
        cwd: join(real, 'i2n'),
        args: ['params', 'guest.cfg'],
        refSeconds: 450,
        runs: 1,
      },
      { name: 'i2n vms.cfg', cwd: join(real, 'i2n'), args: ['params', 'vms.cfg'], runs: 5 },
      {
        name: 'i2n combos/i2n-vms-join.cfg',
        cwd: join(real, 'combos'),
        args: ['params', 'i2n-vms-join.cfg'],
        runs: 5,
      },
      {
        name: 'avocado-vt test1.cfg',
        cwd: join(real, 'avocado-vt-testcfg'),
        args: ['params', 'test1.cfg'],
        runs: 5,
      },
    );
  } else {
    console.error(`(real suites skipped: no corpus at ${corpus})`);
  }
  // The long ones also in one thread, to show what the expansion workers add.
  for (const c of [...cases]) {
    if (c.refSeconds !== undefined && c.refSeconds > 10) {
      cases.push({ ...c, name: `${c.name}, one thread`, args: [...c.args, '-j', '1'] });
    }
  }
  const results = [];
  for (const c of quick ? cases.filter((x) => x.runs > 1) : cases) {
    let best;
    for (let i = 0; i < c.runs; i++) {
      const r = await runCli(c.args, c.cwd);
      if (best === undefined || r.ms < best.ms) best = r;
    }
    const mem = await runCli(c.args, c.cwd, true);
    const seconds = best.ms / 1000;
    results.push({
      name: c.name,
      dicts: best.lines,
      seconds,
      dictsPerSecond: Math.round(best.lines / seconds),
      peakRssMb: mem.rssKb === undefined ? undefined : Math.round(mem.rssKb / 1024),
      referenceSeconds: c.refSeconds,
      speedup: c.refSeconds === undefined ? undefined : c.refSeconds / seconds,
    });
    const last = results[results.length - 1];
    console.error(`  ${c.name}: ${last.dicts} dicts in ${seconds.toFixed(2)} s`);
  }
  return results;
}

export function parserTable(results) {
  const rows = [
    '| config | dicts | time (s, incl. start) | dicts/s | peak RSS (MB) | reference (s) | speed-up |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    rows.push(
      `| ${r.name} | ${r.dicts} | ${r.seconds.toFixed(2)} | ${r.dictsPerSecond} | ${r.peakRssMb ?? '?'} | ${r.referenceSeconds ?? '–'} | ${r.speedup === undefined ? '–' : r.speedup.toFixed(1) + '×'} |`,
    );
  }
  return rows.join('\n');
}
