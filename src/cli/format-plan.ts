/** A plan for people: one line per node, what happens to it and why. */
import type { Plan } from '../graph/make-plan.js';

export function formatPlan(plan: Plan): string {
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
  }
  return lines.join('\n') + '\n';
}
