/**
 * The commands that reach into a running guest: `exec` runs a command there, `copy` moves
 * files in or out, `console` attaches the terminal to the serial console. Their tokens select
 * exactly one vm as for the state commands; inside a node's command they find the suite, the
 * run directory and the node's own vm variants through the environment the node gets. Like
 * ssh, `exec` exits with the guest command's status and with 255 for its own failures.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CartographError, GuestError, UsageError } from '../../errors.js';
import { formatDiagnostic } from '../../report/index.js';
import {
  execInGuest,
  type GuestAccess,
  readGuestFile,
  type StateContext,
  type VmTarget,
  writeGuestFile,
} from '../../states/index.js';
import { formatStateEvent } from '../format.js';
import { type CliIo, EXIT, writeAll } from '../main.js';
import { parseStateTokens, stateTargets } from '../state-targets.js';

/** What `exec` exits with when cartograph itself fails (as ssh does). */
export const EXIT_GUEST_TOOL = 255;

const COMMON_OPTIONS = {
  objects: { type: 'string' },
  'run-dir': { type: 'string' },
  access: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMON_HELP = `selection (as for the state commands; exactly one vm):
  vms=VM                   the vm; inside a node's command, the node's variant of it
  only_VM=FILTER, no_VM=FILTER
                           narrow the vm's variants; any other KEY=VALUE overrides a param

options:
  --access serial|agent    another way in than the vm's guest_access
  --objects FILE           the objects config (default configs/objects.cfg, or the node's)
  --run-dir DIR            where vms run (default .cartograph/run, or the node's)
  -h, --help               show this help
`;

const EXEC_HELP = `usage: cartograph exec [options] [KEY=VALUE...] -- COMMAND [ARG...]

Runs COMMAND in the guest of a running vm, through its serial console or its guest agent
(guest_access). The arguments reach the guest as they are (quoted, never split again);
stdin is passed to the command, its stdout and stderr come back apart, byte for byte. Exits
with the command's status, or 255 when cartograph itself fails (with a coded error).

  --timeout SEC            end the command after SEC seconds (GUEST_TIMEOUT); the guest stays usable
  -n, --no-stdin           do not pass stdin (as ssh -n)

${COMMON_HELP}`;

const COPY_HELP = `usage: cartograph copy [options] [KEY=VALUE...] SRC :DEST
       cartograph copy [options] [KEY=VALUE...] :SRC DEST

Copies a file into the guest of a running vm (":DEST" is a path in the guest) or out of it
(":SRC"), byte for byte. Exits 0, or 255 with a coded error.

  --mode OCTAL             the mode of a file copied in (default 0644)
  --timeout SEC            give up after SEC seconds

${COMMON_HELP}`;

const CONSOLE_HELP = `usage: cartograph console [options] [KEY=VALUE...]

Attaches this terminal to the serial console of a running vm (everything it printed is in
console.log in its run directory). Ctrl-] leaves.

${COMMON_HELP}`;

/** The environment a node's command gets, which the guest commands read. */
const ENV = {
  objects: 'CARTOGRAPH_OBJECTS',
  runDir: 'CARTOGRAPH_RUN_DIR',
  workdir: 'CARTOGRAPH_WORKDIR',
  vmIds: 'CARTOGRAPH_VM_IDS',
} as const;

interface Selected {
  readonly target: VmTarget;
  readonly ctx: StateContext;
  readonly access: Exclude<GuestAccess, 'none'> | undefined;
}

function accessOption(value: string | undefined): Exclude<GuestAccess, 'none'> | undefined {
  if (value === undefined) return undefined;
  if (value !== 'serial' && value !== 'agent') {
    throw new UsageError('USAGE', `--access must be serial or agent, not "${value}"`);
  }
  return value;
}

function seconds(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) {
    throw new UsageError('USAGE', `${option} takes seconds (a positive number), not "${value}"`);
  }
  return Number(value) * 1000;
}

/**
 * The one vm the tokens select. Inside a node's command (`CARTOGRAPH_VM_IDS` set) a vm
 * with several variants is the node's own variant of it, so `vms=vm2` is enough there.
 */
function selectVm(
  tokens: readonly string[],
  values: { objects?: string | undefined; 'run-dir'?: string | undefined; access?: string },
  io: CliIo,
): Selected {
  const cwd = io.env[ENV.workdir] ?? io.cwd;
  const parsed = parseStateTokens(tokens);
  const objects = values.objects ?? io.env[ENV.objects] ?? 'configs/objects.cfg';
  let vms = stateTargets(resolve(cwd, objects), cwd, parsed).vms;
  const bound = new Map(
    (io.env[ENV.vmIds] ?? '')
      .split(/\s+/)
      .filter((e) => e.includes(':'))
      .map((e) => e.split(':', 2) as [string, string]),
  );
  if (vms.length > 1 && bound.size > 0) {
    const node = vms.filter((vm) => bound.get(vm.name) === vm.id);
    if (node.length > 0) vms = node;
  }
  if (vms.length !== 1) {
    throw new UsageError(
      'USAGE',
      vms.length === 0
        ? 'no vm is selected'
        : `${vms.length} vms are selected (${vms.map((v) => v.id).join(', ')}): choose one with vms=VM and only_VM=FILTER`,
    );
  }
  const target = vms[0] as VmTarget;
  return {
    target,
    access: accessOption(values.access),
    ctx: {
      cwd,
      runDir: values['run-dir'] ?? io.env[ENV.runDir] ?? '.cartograph/run',
      onEvent: (event) => {
        // Waiting for the guest (another exec holds its console) is worth a line.
        if (event.type === 'lock-wait') {
          const line = formatStateEvent(event);
          if (line !== undefined) io.stderr.write(`cartograph: ${line}\n`);
        }
      },
    },
  };
}

/** Reports cartograph's own failure the way exec does: a coded error and 255. */
async function failed(error: unknown, command: string, io: CliIo): Promise<number> {
  if (error instanceof UsageError) {
    await writeAll(
      io.stderr,
      `cartograph ${command}: ${error.message}\n(see cartograph ${command} --help)\n`,
    );
    return EXIT_GUEST_TOOL;
  }
  if (isParseArgsError(error)) {
    await writeAll(io.stderr, `cartograph ${command}: ${error.message}\n`);
    return EXIT_GUEST_TOOL;
  }
  if (!(error instanceof CartographError)) throw error;
  await writeAll(io.stderr, formatDiagnostic(error));
  return EXIT_GUEST_TOOL;
}

function isParseArgsError(e: unknown): e is Error {
  return e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function writeBytes(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  if (data.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write(data, () => {
      resolve();
    });
  });
}

/** `cartograph exec`. */
export async function execCommand(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const dash = argv.indexOf('--');
    const { values, positionals } = parseArgs({
      args: [...(dash < 0 ? argv : argv.slice(0, dash))],
      allowPositionals: true,
      strict: true,
      options: {
        ...COMMON_OPTIONS,
        timeout: { type: 'string' },
        'no-stdin': { type: 'boolean', short: 'n' },
      },
    });
    if (values.help === true) {
      await writeAll(io.stdout, EXEC_HELP);
      return EXIT.ok;
    }
    const command = dash < 0 ? [] : argv.slice(dash + 1);
    if (command.length === 0) {
      throw new UsageError('USAGE', 'give the command after --: cartograph exec vms=VM -- COMMAND');
    }
    const timeoutMs = seconds(values.timeout, '--timeout');
    const { target, ctx, access } = selectVm(positionals, values, io);
    const stdin =
      values['no-stdin'] === true ||
      io.stdin === undefined ||
      (io.stdin as { isTTY?: boolean }).isTTY === true
        ? undefined
        : await readAll(io.stdin);
    const result = await execInGuest(
      target,
      command,
      { access, stdin, timeoutMs, owner: `cartograph exec (pid ${process.pid})` },
      ctx,
    );
    await writeBytes(io.stdout, result.stdout);
    await writeBytes(io.stderr, result.stderr);
    if (result.signal !== undefined) {
      // A shell reports death by signal N as 128 + N; the guest may not say N.
      await writeAll(io.stderr, `cartograph exec: the command was killed by ${result.signal}\n`);
      return result.exitCode > 0 ? result.exitCode : EXIT_GUEST_TOOL;
    }
    return result.exitCode;
  } catch (error) {
    return failed(error, 'exec', io);
  }
}

/** `cartograph copy`. */
export async function copyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...COMMON_OPTIONS, mode: { type: 'string' }, timeout: { type: 'string' } },
    });
    if (values.help === true) {
      await writeAll(io.stdout, COPY_HELP);
      return EXIT.ok;
    }
    const paths = positionals.filter((p) => !/^[A-Za-z_][A-Za-z0-9_.-]*=/.test(p));
    const tokens = positionals.filter((p) => !paths.includes(p));
    const [src, dest] = paths;
    if (paths.length !== 2 || src === undefined || dest === undefined) {
      throw new UsageError('USAGE', 'give a source and a destination, one of them :IN_GUEST');
    }
    const into = dest.startsWith(':');
    if (into === src.startsWith(':')) {
      throw new UsageError('USAGE', 'exactly one of SRC and DEST is a guest path (":/path")');
    }
    let mode: number | undefined;
    if (values.mode !== undefined) {
      if (!/^[0-7]{3,4}$/.test(values.mode)) {
        throw new UsageError('USAGE', `--mode takes an octal mode (0644), not "${values.mode}"`);
      }
      mode = parseInt(values.mode, 8);
    }
    const timeoutMs = seconds(values.timeout, '--timeout');
    const { target, ctx, access } = selectVm(tokens, values, io);
    const owner = `cartograph copy (pid ${process.pid})`;
    const local = resolve(io.cwd, into ? src : dest);
    if (into) {
      const data = await readLocal(local);
      await writeGuestFile(target, dest.slice(1), data, { access, mode, timeoutMs, owner }, ctx);
    } else {
      const data = await readGuestFile(target, src.slice(1), { access, timeoutMs, owner }, ctx);
      await writeFile(local, data);
    }
    return EXIT.ok;
  } catch (error) {
    return failed(error, 'copy', io);
  }
}

async function readLocal(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new GuestError('GUEST_FAILED', `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** `cartograph console`. */
export async function consoleCommand(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: COMMON_OPTIONS,
    });
    if (values.help === true) {
      await writeAll(io.stdout, CONSOLE_HELP);
      return EXIT.ok;
    }
    const { target, ctx } = selectVm(positionals, values, io);
    const { attachConsole } = await import('./console-session.js');
    return await attachConsole(target, ctx, io);
  } catch (error) {
    return failed(error, 'console', io);
  }
}
