import { describeLockHolder } from '../states/index.js';
import type { StateEvent } from '../states/index.js';

/** A progress line for `--verbose` (stderr), or `undefined` for events that results cover. */
export function formatStateEvent(e: StateEvent): string | undefined {
  switch (e.type) {
    case 'state-start':
      return `${e.target}: ${e.op} ${e.state} (${e.backend})...`;
    case 'state-end':
      return undefined;
    case 'image-created':
      return `${e.target}: created ${e.image}`;
    case 'image-converted':
      return `${e.target}: converted into ${e.image}`;
    case 'image-removed':
      return `${e.target}: removed ${e.image}`;
    case 'vm-booted':
      return `${e.target}: booted (pid ${e.pid}, QMP ${e.qmpSocket})`;
    case 'vm-stopped':
      return `${e.target}: stopped (${e.method}): ${e.reason}`;
    case 'vm-stale-cleaned':
      return `${e.target}: cleaned up after a vm that had died (${e.runDir})`;
    case 'run-dir-fallback':
      return `${e.target}: run directory ${e.wanted} is too long for a socket, using ${e.used}`;
    case 'states-removed':
      return `${e.target}: removing ${e.state} also removed ${e.dependents.join(', ')}`;
    case 'image-rebased':
      return `${e.target}: rebased ${e.image} onto ${e.onto ?? 'nothing'}: ${e.reason}`;
    case 'lock-wait':
      return `${e.target}: waiting for ${e.what}, locked by ${describeLockHolder(e.holder)}`;
  }
}
