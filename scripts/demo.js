#!/usr/bin/env node
// The README's main job on the bundled configs/. For now it lists the object variants the
// parser finds; later issues make it the full setup run.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'cartograph.js');
const r = spawnSync(process.execPath, [cli, 'params', '-c', 'configs/objects.cfg'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
