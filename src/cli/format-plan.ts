/** A plan for people: one line per node, what happens to it and why. */
import type { Plan } from '../graph/make-plan.js';

export function formatPlan(plan: Plan, explain = false): string {
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
