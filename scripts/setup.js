#!/usr/bin/env node
// Brings a fresh checkout to a working state, doing only what is missing:
//   npm packages (npm ci), the compiled dist/ (tsc), and with --qemu the QEMU tools
//   (qemu-utils and qemu-system-x86 from Debian, without recommends).
// It uses nothing but Node's standard library, because it runs before any package is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wantQemu = process.argv.includes('--qemu');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`setup: '${[cmd, ...args].join(' ')}' failed with exit code ${r.status}`);
    process.exit(r.status ?? 1);
  }
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function newestIn(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(p) : mtime(p));
  }
  return newest;
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$0"', cmd], { stdio: 'ignore' }).status === 0;
}

// 1. npm packages: install when node_modules is missing or older than the lockfile.
const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(installed) || mtime(installed) < mtime(lock)) {
  console.error('setup: installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. dist/ and the command-line bundle: rebuild both when any source is newer than the last
// build. scripts/bundle.js, the last build step, writes the stamp (tsc's own build info keeps
// its old time when nothing needed recompiling).
const stamp = join(root, 'dist', '.built');
if (
  !existsSync(join(root, 'dist', 'bundle', 'main.js')) ||
  mtime(stamp) < newestIn(join(root, 'src'))
) {
  console.error('setup: compiling src/ (tsc) and bundling the command line');
  run(process.execPath, [
    join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
  run(process.execPath, [join(root, 'scripts', 'bundle.js')]);
}

// 3. QEMU tools for the state backends and their tests.
if (wantQemu) {
  const tools = ['qemu-img', 'qemu-io', 'qemu-system-x86_64'];
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length > 0) {
    const pkgs = ['qemu-utils', 'qemu-system-x86'];
    const isRoot = process.getuid?.() === 0;
    const sudo = isRoot ? [] : onPath('sudo') ? ['sudo'] : null;
    if (sudo === null || !onPath('apt-get')) {
      console.error(
        `setup: ${missing.join(', ')} not found; install the Debian packages ${pkgs.join(' ')} ` +
          '(apt-get install --no-install-recommends) and run again',
      );
      process.exit(1);
    }
    console.error(`setup: installing ${pkgs.join(' ')} (missing: ${missing.join(', ')})`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const aptGet = (...args) =>
      sudo.length > 0 ? run('sudo', ['apt-get', ...args], { env }) : run('apt-get', args, { env });
    aptGet('update');
    aptGet('install', '-y', '--no-install-recommends', ...pkgs);
  }
}
