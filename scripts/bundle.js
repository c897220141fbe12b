#!/usr/bin/env node
// Bundles the command line into dist/bundle/ (one file per command, loaded on demand), so a
// `cartograph` process loads a handful of files instead of ~100 modules: start-up is most of
// the time of a short command. The library itself is dist/ as tsc writes it.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [
    { in: join(root, 'src', 'cli', 'main.ts'), out: 'main' },
    // Started by write-dicts.ts as new URL('./params-worker.js', import.meta.url).
    { in: join(root, 'src', 'cli', 'params', 'params-worker.ts'), out: 'params-worker' },
  ],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Some bundled CommonJS packages call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __cartographCreateRequire } from 'node:module'; const require = __cartographCreateRequire(import.meta.url);",
  },
});
// Marks a finished build for scripts/setup.js.
writeFileSync(join(root, 'dist', '.built'), `${new Date().toISOString()}\n`);
