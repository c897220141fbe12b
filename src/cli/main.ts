/**
 * The command line: `main(argv, io)` returns the exit code and never calls process.exit, so
 * tests run it in-process. Subcommands are loaded on demand to keep start-up fast.
 */
import { CartographError, ConfigError, GraphError, StateError, UsageError } from '../errors.js';
import { formatDiagnostic } from '../report/index.js';
import { fileSystemError } from '../shared/index.js';

/** Writes text to a stream and waits until it has been handed to the system. */
export async function writeAll(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text === '') return;
  await new Promise<void>((resolve) => {
    stream.write(text, () => {
      resolve();
    });
  });
}

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin?: NodeJS.ReadableStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Exit codes of the CLI. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  internal: 3,
  sigint: 130,
  sigterm: 143,
} as const;

export const VERSION = '0.1.0';

const HELP = `cartograph ${VERSION}: prepare virtual-machine test environments

usage: cartograph <command> [options]

commands:
  run [KEY=VALUE...]       build the missing states, reuse the rest, run the tests
  plan [KEY=VALUE...]      what run would do and why (changes nothing)
  list                     the nodes a run would consider, with their objects
  graph                    the node graph as dot, mermaid or json
  params FILE [EXTRA...]   parse a Cartesian config and print its dicts
  convert-config FILE      print a config in the other syntax (.cfg <-> YAML)
  show [KEY=VALUE...]      print the states of the objects (images and vms)
  check [KEY=VALUE...]     exit 0 when every state named by check_state exists, else 1
  get | set | unset        restore / save / remove the states named by get_state,
                           set_state, unset_state (policies get_mode, set_mode, unset_mode)
  push | pop               save / restore-and-remove the states named by push_state, pop_state
  create | clean           make / remove the images (image_size or raw_image)
  convert                  convert raw_image into a compressed qcow2 image
  boot | shutdown          start the vms (left running) / stop them cleanly
  exec -- COMMAND [ARG...] run a command in the guest of a running vm
  copy SRC :DEST | :SRC DEST
                           copy a file into / out of the guest of a running vm
  console                  attach the terminal to a running vm's serial console
  build-guest --out FILE   build a small Linux guest disk from Debian packages
  verify [--repair]        check the kept states (qcow2, chains, manifests); repair what is safe
  gc [--max-size SIZE]     remove states no node sets, interrupted ones, least recently used

Run "cartograph <command> --help" for the options of a command.
`;

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  params: async () => (await import('./params/params-command.js')).paramsCommand,
  'convert-config': async () =>
    (await import('./commands/convert-config-command.js')).convertConfigCommand,
  show: async () => (await import('./commands/state-command.js')).stateCommand('show'),
  check: async () => (await import('./commands/state-command.js')).stateCommand('check'),
  get: async () => (await import('./commands/state-command.js')).stateCommand('get'),
  set: async () => (await import('./commands/state-command.js')).stateCommand('set'),
  unset: async () => (await import('./commands/state-command.js')).stateCommand('unset'),
  push: async () => (await import('./commands/state-command.js')).stateCommand('push'),
  pop: async () => (await import('./commands/state-command.js')).stateCommand('pop'),
  create: async () => (await import('./commands/state-command.js')).stateCommand('create'),
  clean: async () => (await import('./commands/state-command.js')).stateCommand('clean'),
  convert: async () => (await import('./commands/state-command.js')).stateCommand('convert'),
  boot: async () => (await import('./commands/state-command.js')).stateCommand('boot'),
  shutdown: async () => (await import('./commands/state-command.js')).stateCommand('shutdown'),
  list: async () => (await import('./commands/list-command.js')).listCommand,
  plan: async () => (await import('./commands/plan-command.js')).planCommand,
  run: async () => (await import('./commands/run-command.js')).runCommand,
  graph: async () => (await import('./commands/graph-command.js')).graphCommand,
  verify: async () => (await import('./commands/maintenance-commands.js')).verifyCommand,
  gc: async () => (await import('./commands/maintenance-commands.js')).gcCommand,
  exec: async () => (await import('./commands/guest-commands.js')).execCommand,
  copy: async () => (await import('./commands/guest-commands.js')).copyCommand,
  console: async () => (await import('./commands/guest-commands.js')).consoleCommand,
  'build-guest': async () => (await import('./commands/build-guest-command.js')).buildGuestCommand,
};

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    await writeAll(name === undefined ? io.stderr : io.stdout, HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    await writeAll(io.stdout, `${VERSION}\n`);
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    await writeAll(io.stderr, `cartograph: unknown command "${name}"\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await (
      await load()
    )(rest, io);
  } catch (e) {
    return reportError(e, name, io);
  }
}

async function reportError(e: unknown, command: string, io: CliIo): Promise<number> {
  if (isParseArgsError(e)) {
    await writeAll(
      io.stderr,
      `cartograph ${command}: ${e.message}\n(see cartograph ${command} --help)\n`,
    );
    return EXIT.usage;
  }
  if (e instanceof UsageError) {
    await writeAll(
      io.stderr,
      `cartograph ${command}: ${e.message}\n(see cartograph ${command} --help)\n`,
    );
    return EXIT.usage;
  }
  // A failed system call (a full disk, a read-only pool …) is not a bug: say what and where.
  const error = fileSystemError(e) ?? e;
  await writeAll(io.stderr, formatDiagnostic(error));
  // A wrong config, graph or command line is the user's to fix: exit code 2.
  if (error instanceof ConfigError || error instanceof GraphError) return EXIT.usage;
  if (error instanceof StateError && CONFIG_STATE_CODES.has(error.code)) return EXIT.usage;
  if (error instanceof CartographError && error.code !== 'INTERNAL') return EXIT.failed;
  return EXIT.internal;
}

/** State errors that are config problems (docs/errors.md): exit code 2 like config errors. */
const CONFIG_STATE_CODES: ReadonlySet<string> = new Set([
  'STATE_BAD_NAME',
  'STATE_BAD_POLICY',
  'STATE_BAD_BACKEND',
]);

function isParseArgsError(e: unknown): e is Error {
  return e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS');
}
