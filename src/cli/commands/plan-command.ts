import { formatPlan } from '../format.js';
import { type CliIo, EXIT, writeAll } from '../main.js';
import { cloneNote, prepareRun, RUN_OPTIONS_HELP } from './run-command.js';

/** `cartograph plan`: what a run would do and why, without changing anything. */
const HELP = `usage: cartograph plan [--json] [options] [KEY=VALUE...]

Shows which setup nodes a run would build, which states it would reuse, and why. Nothing is
changed: the state backends are only asked which states exist.

options:
  --json               the plan as JSON
  --explain            for each stale state, what changed (old and new values)
${RUN_OPTIONS_HELP}`;

export async function planCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const prepared = await prepareRun(argv, io);
  if (prepared === 'help') {
    await writeAll(io.stdout, HELP);
    return EXIT.ok;
  }
  await writeAll(
    io.stdout,
    prepared.values.json === true
      ? JSON.stringify(prepared.plan, null, 2) + '\n'
      : formatPlan(
          prepared.plan,
          prepared.values.explain === true,
          cloneNote(prepared.graph, prepared.values['no-clones'] !== true),
        ),
  );
  return EXIT.ok;
}
