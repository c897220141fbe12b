/**
 * Text output of the plan and of state results and events.
 */
import type { Plan } from '../graph/index.js';
import { describeLockHolder, type StateEvent, type StateResult } from '../states/index.js';

/**
 * A plan for people: one line per node, what happens to it and why; with `explain`, what
 * changed for stale states and, per test, whether it runs on clones (`onClones`).
 */
export function formatPlan(
  plan: Plan,
  explain = false,
  onClones?: (node: string) => string | undefined,
): string {
  const run = plan.steps.filter((s) => s.action === 'run');
  const width = Math.max(4, ...plan.steps.map((s) => s.node.length));
  const lines = [
    `plan: ${run.length} to run (${run.filter((s) => s.kind === 'setup').length} setup, ` +
      `${run.filter((s) => s.kind === 'test').length} tests), ` +
      `${plan.steps.length - run.length} setup nodes reused`,
  ];
  for (const s of plan.steps) {
    const action = s.action === 'run' ? (s.kind === 'setup' ? 'build' : 'run') : 'reuse';
    lines.push(`  ${action.padEnd(5)}  ${s.node.padEnd(width)}  ${s.reason}`);
    if (!explain) continue;
    const clones = s.action === 'run' && s.kind === 'test' ? onClones?.(s.node) : undefined;
    if (clones !== undefined) lines.push(`${' '.repeat(width + 11)}${clones}`);
    for (const state of s.sets) {
      if (state.status !== 'stale') continue;
      const pad = ' '.repeat(width + 11);
      lines.push(`${pad}${state.state} of ${state.objectId} is stale:`);
      if (state.changes === undefined) {
        lines.push(`${pad}  (its manifest does not say what it was made from)`);
      }
      for (const c of state.changes ?? []) {
        if (c.scope === 'parents') {
          const parent = c.param.replace(/^state /, '');
          lines.push(
            c.before === undefined
              ? `${pad}  now starts from ${parent}`
              : c.after === undefined
                ? `${pad}  no longer starts from ${parent}`
                : `${pad}  starts from ${parent}, which is made differently now`,
          );
          continue;
        }
        const where = c.scope === 'node' ? '' : ` (${c.scope})`;
        lines.push(`${pad}  ${c.param}${where}: ${show(c.before)} -> ${show(c.after)}`);
      }
    }
  }
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}

function show(v: string | undefined): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}

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
    case 'guest-ready':
      return `${e.target}: guest answers (${e.access === 'agent' ? 'guest agent' : 'serial console'})`;
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
