import { rename, writeFile } from 'node:fs/promises';
import type { VmRunState } from './vm-run-state.js';

/** Writes a run directory's state file atomically (temp file, then rename). */
export async function writeVmRunState(path: string, state: VmRunState): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
}
