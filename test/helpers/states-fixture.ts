/**
 * A workspace for state tests: a sandbox directory as `cwd`, a run directory in it, its own
 * locks, the events an operation emitted, and pattern helpers on images (qemu-io).
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { ioPatternCommand, qemuIo } from '../../src/qemu/img/qemu-io.js';
import { type StateContext, type StateEvent, StateLocks } from '../../src/states/index.js';
import type { QemuSandbox } from './qemu-sandbox.js';

/** What {@link statesWorkspace} gives a test. */
export interface StatesWorkspace {
  dir: string;
  ctx: StateContext;
  events: StateEvent[];
}

/** A fresh directory with a context whose relative paths resolve in it. */
export async function statesWorkspace(sandbox: QemuSandbox): Promise<StatesWorkspace> {
  const dir = await sandbox.dir();
  const events: StateEvent[] = [];
  const ctx: StateContext = {
    cwd: dir,
    runDir: join(dir, 'run'),
    locks: new StateLocks(),
    onEvent: (e) => events.push(e),
  };
  return { dir, ctx, events };
}

/** Writes byte `pattern` over `[offset, offset+length)` of a qcow2 image. */
export async function writePattern(
  image: string,
  pattern: number,
  offset: number | string = 0,
  length: number | string = '1M',
): Promise<void> {
  const result = await qemuIo(image, [ioPatternCommand('write', pattern, offset, length)]);
  expect(result.ok).toBe(true);
}

/** Whether the range holds `pattern` (read-only; `-U` so a running vm may hold the image). */
export async function hasPattern(
  image: string,
  pattern: number,
  offset: number | string = 0,
  length: number | string = '1M',
): Promise<boolean> {
  const result = await qemuIo(image, [ioPatternCommand('read', pattern, offset, length)], {
    readOnly: true,
    forceShare: true,
  });
  return result.ok;
}
