import type { StateResult } from '../states/index.js';

function policy(p: { param: string; value: string; letter: string }): string {
  return p.param === '' ? '' : ` [${p.param} ${p.value}: ${p.letter === '' ? '-' : p.letter}]`;
}

/**
 * One line for a result: `vm1-tiny/image1: set customize: created [set_mode ff: f]`, the root
 * prerequisite when it did more than keep the root, and how it was done.
 */
export function formatStateResult(r: StateResult): string {
  const via = r.via === undefined ? '' : ` (${r.via})`;
  let line = `${r.target}: ${r.op}${via} ${r.state}: ${r.action}${policy(r.policy)}`;
  if (r.root !== undefined && r.root.action !== 'kept') {
    line += `; ${r.root.state} ${r.root.action}${policy(r.root.policy)}`;
  }
  if (r.detail !== undefined) line += ` (${r.detail})`;
  return `${line}\n`;
}
