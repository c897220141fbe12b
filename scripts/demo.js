#!/usr/bin/env node
// The README's main job: `cartograph run` on the bundled configs/. The first run builds
// every state; run it again and every state is reused.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'cartograph.js');
const r = spawnSync(process.execPath, [cli, 'run', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
