// States benchmark: the cost of show, get and set per backend on a 1 GiB image holding
// 200 MB of data (qcow2, qcow2ext; qcow2vt with a running 64 MiB TCG vm), and the time to
// show 100 images with qemu-img run concurrently (p-limit, bounded by the cores) against one
// at a time. Runs the compiled library in dist/ (`npm run build` first).
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { Params } from '../dist/params/params.js';
import { createSnapshot, ioPatternCommand, qemuIo } from '../dist/qemu/index.js';
import {
  bootVms,
  createRoots,
  getStates,
  imagePath,
  probeStates,
  setStates,
  showStates,
  shutdownVms,
  StateLocks,
} from '../dist/states/index.js';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

async function timed(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function image(params, name = 'image1') {
  return {
    kind: 'images',
    id: `vm1/${name}`,
    name,
    vmId: 'vm1',
    vmName: 'vm1',
    params: new Params(Object.entries(params)),
  };
}

const withParams = (target, more) => ({
  ...target,
  params: new Params([...target.params.entries(), ...Object.entries(more)]),
});

async function backendCosts(root, backend, runs) {
  const dir = await mkdtemp(join(root, `${backend}-`));
  const ctx = { cwd: dir, runDir: join(dir, 'run'), locks: new StateLocks() };
  const disk = image({
    image_name: 'disk',
    images_base_dir: 'images',
    image_size: '1G',
    swarm_pool: 'pool',
    states: backend === 'qcow2vt' ? 'qcow2' : backend,
  });
  const target =
    backend === 'qcow2vt'
      ? {
          kind: 'vms',
          id: 'vm1',
          name: 'vm1',
          vmId: 'vm1',
          vmName: 'vm1',
          params: new Params([['mem', '64']]),
          images: [disk],
        }
      : disk;
  await createRoots([disk], ctx);
  const path = imagePath(disk, dir);
  await qemuIo(path, [ioPatternCommand('write', 0xab, 0, '200M')]);
  if (backend === 'qcow2vt') await bootVms([target], ctx);
  const times = { set: [], get: [], show: [] };
  for (let i = 0; i < runs; i++) {
    // A small change, so that every state differs from the last (the 200 MB stay).
    if (backend !== 'qcow2vt') {
      await qemuIo(path, [ioPatternCommand('write', i, '300M', '1M')]);
    }
    times.set.push(await timed(() => setStates([withParams(target, { set_state: `s${i}` })], ctx)));
  }
  for (let i = 0; i < runs; i++) {
    times.get.push(await timed(() => getStates([withParams(target, { get_state: 's0' })], ctx)));
    times.show.push(await timed(() => showStates([target], ctx)));
  }
  if (backend === 'qcow2vt') await shutdownVms([target], ctx);
  return ['set', 'get', 'show'].map((op) => ({
    backend,
    op,
    ms: median(times[op]),
    first: times[op][0],
    runs,
  }));
}

async function showMany(root, count, runs) {
  const dir = await mkdtemp(join(root, 'many-'));
  const ctx = { cwd: dir, runDir: join(dir, 'run') };
  const targets = Array.from({ length: count }, (_, i) =>
    image(
      { image_name: `disk${i}`, images_base_dir: 'images', image_size: '64M', states: 'qcow2' },
      `image${i}`,
    ),
  );
  await createRoots(targets, ctx);
  const limit = pLimit(availableParallelism());
  await Promise.all(
    targets.map((t) =>
      limit(async () => {
        for (const s of ['install', 'customize', 'ready'])
          await createSnapshot(imagePath(t, dir), s);
      }),
    ),
  );
  const sequential = [];
  const concurrent = [];
  const probes = [];
  const queries = targets.flatMap((target) =>
    ['install', 'ready', 'missing'].map((state) => ({ target, state })),
  );
  for (let i = 0; i < runs; i++) {
    sequential.push(await timed(() => showStates(targets, { ...ctx, concurrency: 1 })));
    concurrent.push(await timed(() => showStates(targets, ctx)));
    probes.push(await timed(() => probeStates(queries, ctx)));
  }
  return {
    images: count,
    cores: availableParallelism(),
    sequentialMs: median(sequential),
    concurrentMs: median(concurrent),
    probeQueries: queries.length,
    probeMs: median(probes),
  };
}

export async function statesBench({ quick = false } = {}) {
  const root = await mkdtemp(join(tmpdir(), 'cg-sb-'));
  const runs = quick ? 3 : 7;
  try {
    const costs = [];
    for (const backend of ['qcow2', 'qcow2ext', 'qcow2vt']) {
      console.error(`  ${backend}: 1 GiB image, 200 MB of data`);
      costs.push(...(await backendCosts(root, backend, runs)));
    }
    console.error('  show 100 images');
    const many = await showMany(root, 100, quick ? 2 : 5);
    return { costs, many };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export function statesTable(results) {
  const rows = [
    '| backend | operation | median (ms) | first (ms) | runs |',
    '| --- | --- | ---: | ---: | ---: |',
  ];
  for (const r of results.costs) {
    rows.push(
      `| ${r.backend} | ${r.op} | ${r.ms.toFixed(1)} | ${r.first.toFixed(1)} | ${r.runs} |`,
    );
  }
  const m = results.many;
  rows.push(
    '',
    `| show ${m.images} images (qcow2, 3 states each) | time (ms) |`,
    '| --- | ---: |',
    `| one qemu-img at a time | ${m.sequentialMs.toFixed(0)} |`,
    `| concurrent (p-limit, ${m.cores} cores) | ${m.concurrentMs.toFixed(0)} |`,
    `| speed-up | ${(m.sequentialMs / m.concurrentMs).toFixed(1)}× |`,
    `| probe ${m.probeQueries} states (one info per image) | ${m.probeMs.toFixed(0)} |`,
  );
  return rows.join('\n');
}
