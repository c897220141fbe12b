/**
 * Temp directories and process tracking for QEMU integration tests. Every vm or helper
 * process a test starts is tracked and killed (by pid) after each test, and a last sweep kills
 * any qemu process whose command line points into this sandbox's directory, so that no test
 * leaves a qemu behind, even when it fails half-way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { QemuVm } from '../../src/qemu/vm/qemu-vm.js';
import { isProcessAlive } from '../../src/shared/process.js';

/** What a test file gets from {@link useQemuSandbox}. */
export interface QemuSandbox {
  /** A fresh directory with a short path (QMP socket paths must stay under 108 bytes). */
  dir(): Promise<string>;
  /** Tracks a vm: after the test it is killed if still alive and its QMP closed. */
  track<T extends QemuVm>(vm: T): T;
  /** Tracks a process by pid: after the test it is killed if still alive. */
  trackPid(pid: number): void;
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 400 && isProcessAlive(pid); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function kill(pid: number): Promise<void> {
  if (!isProcessAlive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone in the meantime
  }
  await waitGone(pid);
}

/** Pids of processes whose command line mentions `root` (our temp tree). */
function processesUsing(root: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(root)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** Registers hooks for the calling test file and returns its sandbox. */
export function useQemuSandbox(): QemuSandbox {
  let root = '';
  let counter = 0;
  const vms: QemuVm[] = [];
  const pids: number[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cg-q'));
  });

  afterEach(async () => {
    for (const vm of vms.splice(0)) {
      await kill(vm.pid);
      await vm.qmp.close();
    }
    for (const pid of pids.splice(0)) await kill(pid);
    for (const pid of processesUsing(root)) await kill(pid);
  });

  afterAll(async () => {
    if (root === '') return;
    for (const pid of processesUsing(root)) await kill(pid);
    await rm(root, { recursive: true, force: true });
  });

  return {
    async dir() {
      counter += 1;
      const dir = join(root, String(counter));
      await mkdir(dir);
      return dir;
    },
    track(vm) {
      vms.push(vm);
      return vm;
    },
    trackPid(pid) {
      pids.push(pid);
    },
  };
}
