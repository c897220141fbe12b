// Graph and scheduler benchmark:
// - planning: 1,000 object variants × 5-step setup chains (graph build + plan with every
//   state present), in-process on the compiled library — the cost of deciding, not of QEMU;
// - parallel run: K independent tests of `sleep` nodes run by `cartograph run` with --jobs K
//   against --jobs 1 (should approach K×: sleeping takes no core).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildGraph } from '../dist/graph/build-graph.js';
import { loadNodes } from '../dist/graph/load-nodes.js';
import { loadObjects } from '../dist/graph/load-objects.js';
import { makePlan } from '../dist/graph/make-plan.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench', 'out');

function planningConfigs(variants, steps) {
  const dir = join(out, `plan-${variants}x${steps}`);
  mkdirSync(dir, { recursive: true });
  const objects = ['vms = vm1', 'images = image1', 'variants:', '    - vm1:', '        variants:'];
  for (let i = 0; i < variants; i++) {
    objects.push(
      `            - v${String(i).padStart(4, '0')}:`,
      `                image_name_image1 = disk${i}`,
    );
  }
  const nodes = ['variants:'];
  for (let s = 1; s <= steps; s++) {
    nodes.push(
      `    - step${s}:`,
      `        get_state_images = ${s === 1 ? 'root' : `s${s - 1}`}`,
      `        set_state_images = s${s}`,
      `        command = echo ${s}`,
    );
  }
  nodes.push('    - test:', `        get_state_images = s${steps}`, '        command = true');
  writeFileSync(join(dir, 'objects.cfg'), objects.join('\n') + '\n');
  writeFileSync(join(dir, 'nodes.cfg'), nodes.join('\n') + '\n');
  return dir;
}

export function planningBench({ variants = 1000, steps = 5, runs = 3 } = {}) {
  const dir = planningConfigs(variants, steps);
  let best;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const objects = loadObjects({ file: 'objects.cfg', cwd: dir });
    const nodes = loadNodes({ file: 'nodes.cfg', cwd: dir });
    const t1 = performance.now();
    const graph = buildGraph({ objects, nodes, selected: (v) => v.name === 'test' });
    const t2 = performance.now();
    const plan = makePlan(graph, () => 'present');
    const t3 = performance.now();
    const result = {
      variants,
      steps,
      nodes: graph.nodes.size,
      reused: plan.steps.filter((s) => s.action === 'reuse').length,
      loadMs: t1 - t0,
      graphMs: t2 - t1,
      planMs: t3 - t2,
      totalMs: t3 - t0,
    };
    if (best === undefined || result.totalMs < best.totalMs) best = result;
  }
  return best;
}

function parallelConfigs(k, seconds) {
  const dir = join(out, `parallel-${k}`);
  mkdirSync(dir, { recursive: true });
  const vms = Array.from({ length: k }, (_, i) => `vm${i + 1}`);
  const objects = [
    `vms = ${vms.join(' ')}`,
    'images =',
    'variants:',
    ...vms.map((v) => `    - ${v}:`),
  ];
  const nodes = [
    'variants:',
    ...vms.flatMap((v) => [
      `    - t_${v}:`,
      `        vms = ${v}`,
      `        command = sleep ${seconds}`,
    ]),
  ];
  writeFileSync(join(dir, 'objects.cfg'), objects.join('\n') + '\n');
  writeFileSync(join(dir, 'nodes.cfg'), nodes.join('\n') + '\n');
  return dir;
}

function timeRun(dir, jobs) {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'bin', 'cartograph.js'),
      'run',
      '--objects',
      'objects.cfg',
      '--nodes',
      'nodes.cfg',
      '--jobs',
      String(jobs),
    ],
    {
      cwd: dir,
      env: { ...process.env, CI: '1' },
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`cartograph run failed in ${dir}: ${r.stdout}${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

export function parallelBench({ ks = [2, 4, 8], seconds = 0.5 } = {}) {
  return ks.map((k) => {
    const dir = parallelConfigs(k, seconds);
    const serial = timeRun(dir, 1);
    const parallel = timeRun(dir, k);
    return { k, seconds, serial, parallel, speedup: serial / parallel };
  });
}

export function graphTables(planning, parallel) {
  const p = planning;
  return [
    '| planning | object variants | steps | nodes | load (ms) | graph (ms) | plan (ms) | total (ms) | per node (µs) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| all states present | ${p.variants} | ${p.steps} | ${p.nodes} | ${p.loadMs.toFixed(0)} | ${p.graphMs.toFixed(0)} | ${p.planMs.toFixed(0)} | ${p.totalMs.toFixed(0)} | ${((p.totalMs * 1000) / p.nodes).toFixed(0)} |`,
    '',
    '| parallel run | K chains | node time (s) | --jobs 1 (s) | --jobs K (s) | speed-up |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...parallel.map(
      (r) =>
        `| sleep nodes | ${r.k} | ${r.seconds} | ${r.serial.toFixed(2)} | ${r.parallel.toFixed(2)} | ${r.speedup.toFixed(2)}× |`,
    ),
  ].join('\n');
}
