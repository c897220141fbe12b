#!/usr/bin/env node
// Brings a fresh checkout to a working state, doing only what is missing:
//   npm packages (npm ci), the compiled dist/ (tsc), and with --qemu the QEMU tools
//   (qemu-utils and qemu-system-x86 from Debian, without recommends) and what the Linux test
//   guest is built with (syslinux, mtools, dosfstools, fdisk; apt's package lists for the
//   kernel and busybox packages it downloads).
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

// mke2fs, sfdisk and mkfs.vfat live in /usr/sbin, which a normal user's PATH may lack; the
// guest build looks there too.
function hasTool(cmd) {
  return (
    onPath(cmd) || ['/usr/local/sbin', '/usr/sbin', '/sbin'].some((d) => existsSync(join(d, cmd)))
  );
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

// 3. QEMU tools for the state backends and their tests, and the tools that build the Linux
// test guest (src/guest-image): a bootable disk made without root needs sfdisk, mkfs.vfat,
// mcopy, syslinux and its MBR code; mke2fs (e2fsprogs) is always installed on Debian.
if (wantQemu) {
  const steps = [
    {
      pkgs: ['qemu-utils', 'qemu-system-x86'],
      tools: ['qemu-img', 'qemu-io', 'qemu-system-x86_64'],
    },
    {
      pkgs: ['syslinux', 'syslinux-common', 'mtools', 'dosfstools', 'fdisk'],
      tools: ['sfdisk', 'mkfs.vfat', 'mcopy', 'syslinux'],
      files: ['/usr/lib/syslinux/mbr/mbr.bin'],
    },
  ];
  const missing = [];
  const pkgs = [];
  for (const step of steps) {
    const gone = [
      ...step.tools.filter((t) => !hasTool(t)),
      ...(step.files ?? []).filter((f) => !existsSync(f)),
    ];
    if (gone.length > 0) {
      missing.push(...gone);
      pkgs.push(...step.pkgs);
    }
  }
  // The guest build downloads these with apt-get download: without package lists (a fresh
  // container) apt knows no candidate for them.
  const downloaded = ['busybox-static', 'linux-image-cloud-amd64', 'qemu-guest-agent'];
  const policy = onPath('apt-cache')
    ? (spawnSync('apt-cache', ['policy', ...downloaded], { encoding: 'utf8' }).stdout ?? '')
    : '';
  const candidates = (policy.match(/Candidate: (?!\(none\))/g) ?? []).length;
  const needLists = onPath('apt-get') && candidates < downloaded.length;
  if (pkgs.length > 0 || needLists) {
    const isRoot = process.getuid?.() === 0;
    const sudo = isRoot ? [] : onPath('sudo') ? ['sudo'] : null;
    if (sudo === null && pkgs.length === 0) {
      // Only the package lists are missing: everything but the Linux guest build works.
      console.error(
        `setup: apt has no candidate for ${downloaded.join(', ')}; run apt-get update as root ` +
          'before building the Linux test guest',
      );
    } else if (sudo === null || !onPath('apt-get')) {
      console.error(
        `setup: ${[...missing, ...(needLists ? ['apt package lists'] : [])].join(', ')} missing; ` +
          `install the Debian packages ${pkgs.join(' ') || '(none)'} ` +
          '(apt-get update; apt-get install --no-install-recommends) and run again',
      );
      process.exit(1);
    } else {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const aptGet = (...args) =>
        sudo.length > 0
          ? run('sudo', ['apt-get', ...args], { env })
          : run('apt-get', args, { env });
      console.error(
        pkgs.length > 0
          ? `setup: installing ${pkgs.join(' ')} (missing: ${missing.join(', ')})`
          : `setup: apt has no candidate for ${downloaded.join(', ')}: updating the package lists`,
      );
      aptGet('update');
      if (pkgs.length > 0) aptGet('install', '-y', '--no-install-recommends', ...pkgs);
    }
  }
}
