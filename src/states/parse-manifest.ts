import type { BackendName } from './backend-name.js';
import type { StateManifest } from './state-manifest.js';

const BACKENDS: readonly BackendName[] = ['qcow2', 'qcow2ext', 'qcow2vt'];

/**
 * Checks that a parsed JSON value is a manifest of format 1; resolves with the manifest, or
 * with what is wrong with it (for `verify`).
 */
export function parseManifest(
  value: unknown,
): { manifest: StateManifest; problem?: undefined } | { manifest?: undefined; problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: 'not a JSON object' };
  }
  const v = value as Record<string, unknown>;
  if (v.format !== 1) return { problem: `unknown format ${JSON.stringify(v.format)}` };
  for (const field of ['key', 'producer', 'cartograph', 'state', 'object', 'createdAt']) {
    if (typeof v[field] !== 'string' || v[field] === '') {
      return { problem: `"${field}" is missing or not a string` };
    }
  }
  if (!BACKENDS.includes(v.backend as BackendName)) {
    return { problem: `unknown backend ${JSON.stringify(v.backend)}` };
  }
  if (typeof v.size !== 'number' || !Number.isFinite(v.size) || v.size < 0) {
    return { problem: '"size" is not a byte count' };
  }
  if (Number.isNaN(Date.parse(v.createdAt as string))) {
    return { problem: '"createdAt" is not a time' };
  }
  const parents = v.parents;
  if (
    typeof parents !== 'object' ||
    parents === null ||
    Array.isArray(parents) ||
    Object.values(parents).some((p) => typeof p !== 'string')
  ) {
    return { problem: '"parents" is not a map of state keys' };
  }
  if (v.snapshot !== undefined) {
    const s = v.snapshot as Record<string, unknown> | null;
    if (
      typeof s !== 'object' ||
      s === null ||
      typeof s.id !== 'string' ||
      typeof s.dateSec !== 'number' ||
      typeof s.dateNsec !== 'number'
    ) {
      return { problem: '"snapshot" is not a snapshot description' };
    }
  }
  return { manifest: value as StateManifest };
}
