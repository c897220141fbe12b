#!/usr/bin/env node
// `npm run bench`: runs the benchmarks and prints their tables (also written to
// bench/out/results.json). `--quick` skips the long runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphTables, parallelBench, planningBench } from './graph-bench.js';
import { parserBench, parserTable } from './parser-bench.js';
import { statesBench, statesTable } from './states-bench.js';
import { clonesBench, guestBench, vmsTables } from './vms-bench.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const results = {};

console.error('parser benchmark');
results.parser = await parserBench({ quick });
console.log('\n## Parser\n');
console.log(parserTable(results.parser));

console.error('states benchmark');
results.states = await statesBench({ quick });
console.log('\n## States\n');
console.log(statesTable(results.states));

console.error('graph and scheduler benchmark');
results.planning = planningBench();
results.parallel = parallelBench(
  quick ? { ks: [2, 4], seconds: 0.5 } : { ks: [2, 4, 8], seconds: 1 },
);
console.log('\n## Planning and parallel runs\n');
console.log(graphTables(results.planning, results.parallel));

console.error('vms benchmark (tests on clones, the Linux guest)');
results.clones = clonesBench(quick ? { ks: [2, 4], seconds: 1 } : { ks: [2, 4, 8], seconds: 3 });
results.guest = await guestBench({ rounds: quick ? 3 : 5 });
console.log('\n## Vms: clones and the Linux guest\n');
console.log(vmsTables(results.clones, results.guest));

mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(join(root, 'bench', 'out', 'results.json'), JSON.stringify(results, null, 2) + '\n');
