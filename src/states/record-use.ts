import { utimes } from 'node:fs/promises';
import type { BackendName } from './backend-name.js';
import { recordDirOf } from './record-dir-of.js';
import { stateRecord } from './state-record.js';
import type { StateTarget } from './state-target.js';

/**
 * Notes that a state was just restored: its manifest's modification time becomes now (the
 * content stays what the save wrote). `gc` removes the least recently used states first.
 * States without a manifest keep the time they were saved.
 */
export async function recordUse(
  target: StateTarget,
  state: string,
  backend: BackendName,
  cwd: string,
): Promise<void> {
  const now = new Date();
  try {
    await utimes(stateRecord(recordDirOf(target, backend, cwd), state).manifest, now, now);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
