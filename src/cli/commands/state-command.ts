/**
 * The state commands users run on single objects: `cartograph <op> [options] [KEY=VALUE...]`
 * with op one of show, check, get, set, unset, push, pop, create, clean, convert, boot,
 * shutdown. The objects come from the objects config; results go to stdout (text or
 * `--json`), diagnostics to stderr. Exit codes: 0 done, 1 aborted or failed (or, for check, a
 * state missing), 2 usage or config errors.
 */
import { parseArgs } from 'node:util';
import { CartographError, ConfigError, StateError, UsageError } from '../../errors.js';
import { diagnosticJson, formatDiagnostic } from '../../report/index.js';
import * as states from '../../states/index.js';
import type { StateContext, StateResult } from '../../states/index.js';
import { formatStateEvent, formatStateResult } from '../format.js';
import { type CliIo, EXIT, writeAll } from '../main.js';
import { parseStateTokens, stateTargets, type StateTargets } from '../state-targets.js';

/** The state commands. */
export type StateCommandName =
  | 'show'
  | 'check'
  | 'get'
  | 'set'
  | 'unset'
  | 'push'
  | 'pop'
  | 'create'
  | 'clean'
  | 'convert'
  | 'boot'
  | 'shutdown';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** What a command prints (`text`, or `data` as JSON) and its exit code. */
interface Outcome {
  data: unknown;
  text: string;
  code: number;
}

const WHAT: Readonly<Record<StateCommandName, string>> = {
  show: 'Prints the states of each selected object (images and vms).',
  check:
    'Checks that the states named by check_state exist (read-only); exits 1 when one is missing.',
  get: 'Restores the states named by get_state, under get_mode (default ra).',
  set: 'Saves the states named by set_state, under set_mode (default ff).',
  unset: 'Removes the states named by unset_state, under unset_mode (default fi).',
  push: 'Saves the states named by push_state, under push_mode (default af).',
  pop: 'Restores, then removes the states named by pop_state, under pop_mode (ra, then fa).',
  create:
    'Creates the images (image_size, or conversion of raw_image), under check_mode (default rf).',
  clean: 'Removes the images (not their external states), under unset_mode (default fi).',
  convert: 'Converts raw_image (in raw_image_dir) into a compressed qcow2 image at the image path.',
  boot: 'Boots the vms (left running until shutdown), under check_mode (default rf).',
  shutdown: 'Stops the running vms cleanly, under unset_mode (default fi).',
};

const PARAM: Partial<Record<StateCommandName, string>> = {
  get: 'get_state',
  set: 'set_state',
  unset: 'unset_state',
  push: 'push_state',
  pop: 'pop_state',
  check: 'check_state',
};

function help(op: StateCommandName): string {
  return `usage: cartograph ${op} [options] [KEY=VALUE...]

${WHAT[op]}

tokens:
  vms=vm1,vm2              the vms to work on (default: vms of the objects config)
  only_vm1=FILTER          narrow vm1's variants (no_vm1=FILTER excludes)
  KEY=VALUE                override a parameter, e.g. set_state_images=customize,
                           states_images=qcow2ext, get_mode_vm1=ri

options:
      --objects FILE       the objects config (default: configs/objects.cfg)
      --run-dir DIR        where running vms keep their files (default: .cartograph/run,
                           or $CARTOGRAPH_RUN_DIR)
      --json               print the results as JSON
  -v, --verbose            print progress (vms booted and stopped, images made) to stderr
  -h, --help               show this help
`;
}

/** Exit code of an error: config problems are usage errors (2), the rest failures (1). */
function exitOf(error: unknown): number {
  if (error instanceof ConfigError || error instanceof UsageError) return EXIT.usage;
  if (
    error instanceof StateError &&
    (error.code === 'STATE_BAD_POLICY' ||
      error.code === 'STATE_BAD_NAME' ||
      error.code === 'STATE_BAD_BACKEND')
  ) {
    return EXIT.usage;
  }
  return EXIT.failed;
}

/** The command `op`, for the COMMANDS table of `main`. */
export function stateCommand(op: StateCommandName): Command {
  return (argv, io) => runStateCommand(op, argv, io);
}

async function runStateCommand(
  op: StateCommandName,
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      objects: { type: 'string' },
      'run-dir': { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    await writeAll(io.stdout, help(op));
    return EXIT.ok;
  }
  const json = values.json === true;
  const results: StateResult[] = [];
  const ctx: StateContext = {
    cwd: io.cwd,
    runDir: values['run-dir'] ?? io.env.CARTOGRAPH_RUN_DIR ?? '.cartograph/run',
    onEvent: (event) => {
      if (event.type === 'state-end') results.push(event.result);
      // A wait for another process's lock may last minutes: always say who it waits for.
      if (values.verbose === true || event.type === 'lock-wait') {
        const line = formatStateEvent(event);
        if (line !== undefined) io.stderr.write(`cartograph: ${line}\n`);
      }
    },
  };
  let outcome: Outcome;
  try {
    const targets = stateTargets(
      values.objects ?? 'configs/objects.cfg',
      io.cwd,
      parseStateTokens(positionals),
    );
    outcome = await perform(op, targets, ctx, results);
  } catch (error) {
    if (!(error instanceof CartographError)) throw error;
    const failure: unknown = error;
    if (json) {
      await writeAll(
        io.stdout,
        `${JSON.stringify({ results, error: diagnosticJson(failure) }, null, 2)}\n`,
      );
    } else {
      await writeAll(io.stdout, results.map(formatStateResult).join(''));
    }
    await writeAll(io.stderr, formatDiagnostic(failure));
    return exitOf(failure);
  }
  await writeAll(io.stdout, json ? `${JSON.stringify(outcome.data, null, 2)}\n` : outcome.text);
  return outcome.code;
}

async function perform(
  op: StateCommandName,
  targets: StateTargets,
  ctx: StateContext,
  results: readonly StateResult[],
): Promise<Outcome> {
  const param = PARAM[op];
  if (param !== undefined && !targets.all.some((t) => (t.params.get(param) ?? '') !== '')) {
    throw new UsageError(
      'USAGE',
      `no object names a state to ${op}: set ${param} (e.g. ${param}_images=NAME or ${param}_vms=NAME)`,
    );
  }
  const done = (list: readonly StateResult[]): Outcome => ({
    data: { results: list },
    text: list.map(formatStateResult).join(''),
    code: EXIT.ok,
  });
  switch (op) {
    case 'show': {
      const shown = await states.showStates(targets.all, ctx);
      const text = shown
        .map((s) => {
          const root =
            s.running !== undefined
              ? ` (running, pid ${s.running.pid}${portsText(s.running.forwards)})`
              : !s.root && s.kind === 'images'
                ? ' (no image)'
                : '';
          // Only what `run` will not use is marked; `--json` gives every state's trust.
          const names = s.states
            .map((x) => (x.trust === 'incomplete' ? `${x.name} (incomplete)` : x.name))
            .join(' ');
          return `${s.target} [${s.backend}]${root}: ${names === '' ? '-' : names}\n`;
        })
        .join('');
      return { data: { objects: shown }, text, code: EXIT.ok };
    }
    case 'check': {
      const checked = await states.checkStates(targets.all, ctx);
      const text = checked
        .map((c) => `${c.target}: ${c.state} ${c.exists ? 'exists' : 'missing'}\n`)
        .join('');
      return {
        data: { checks: checked },
        text,
        code: checked.every((c) => c.exists) ? EXIT.ok : EXIT.failed,
      };
    }
    case 'get':
      return done(await states.getStates(targets.all, ctx));
    case 'set':
      return done(await states.setStates(targets.all, ctx));
    case 'unset':
      return done(await states.unsetStates(targets.all, ctx));
    case 'push':
      return done(await states.pushStates(targets.all, ctx));
    case 'pop':
      return done(await states.popStates(targets.all, ctx));
    case 'create':
      return done(await states.createRoots(targets.images, ctx));
    case 'clean':
      return done(await states.cleanRoots(targets.images, ctx));
    case 'boot':
      return done(await states.bootVms(targets.vms, ctx));
    case 'shutdown':
      return done(await states.shutdownVms(targets.vms, ctx));
    case 'convert':
      for (const image of targets.images) {
        if ((image.params.get('raw_image') ?? '') !== '') await states.convertRawImage(image, ctx);
      }
      if (results.length === 0) {
        throw new UsageError('USAGE', 'no image has raw_image set: nothing to convert');
      }
      return done(results);
  }
}

/** `, ports 22→40123 8080→40124`: where the host reaches the guest's forwarded ports. */
function portsText(
  forwards: Readonly<Record<string, readonly { guestPort: number; hostPort: number }[]>>,
): string {
  const all = Object.values(forwards).flat();
  return all.length === 0
    ? ''
    : `, ports ${all.map((f) => `${f.guestPort}→${f.hostPort}`).join(' ')}`;
}
