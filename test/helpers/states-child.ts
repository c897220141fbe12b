/**
 * Runs state operations in a child `node` process, as another cartograph process would: the
 * states module is bundled for plain node (esbuild; Node 20 cannot run TypeScript), and a small
 * script performs one operation on targets given as JSON. Used to SIGKILL a process in the
 * middle of an operation, and to have two processes work on one pool at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { ImageTarget, StateManifestInput, StateTarget } from '../../src/states/index.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A target as JSON: params as a plain record. */
export interface TargetSpec {
  readonly kind: 'images' | 'vms';
  readonly id: string;
  readonly name: string;
  readonly vmId: string;
  readonly vmName: string;
  readonly params: Readonly<Record<string, string>>;
  readonly images?: readonly TargetSpec[];
}

/** What the child does. */
export interface ChildJob {
  readonly op: 'set' | 'unset' | 'get' | 'pop' | 'lock';
  readonly targets: readonly TargetSpec[];
  readonly cwd: string;
  readonly runDir: string;
  /** The manifest every set records (none: no manifest). */
  readonly manifest?: StateManifestInput;
  readonly lockTimeoutMs?: number;
  /** For `lock`: the owner recorded in the lock files. */
  readonly owner?: string;
}

/** The plain-data form of a target, for the child. */
export function targetSpec(target: StateTarget): TargetSpec {
  const params = Object.fromEntries(
    [...target.params.keys()].map((k) => [k, target.params.get(k) ?? '']),
  );
  const base = {
    kind: target.kind,
    id: target.id,
    name: target.name,
    vmId: target.vmId,
    vmName: target.vmName,
    params,
  };
  return target.kind === 'vms'
    ? { ...base, images: target.images.map((i: ImageTarget) => targetSpec(i)) }
    : base;
}

const SCRIPT = `import { createInterface } from 'node:readline';
import * as states from './states.mjs';
// Started ahead of time: loads the module, then waits for its job on stdin (a JSON line), so
// that the job begins the moment it is sent. A second line releases the locks of "lock".
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
process.stdout.write('ready\\n');
const job = JSON.parse((await lines.next()).value);
const toTarget = (t) => ({ ...t, params: new states.Params(Object.entries(t.params)), ...(t.images ? { images: t.images.map(toTarget) } : {}) });
const targets = job.targets.map(toTarget);
const ctx = {
  cwd: job.cwd,
  runDir: job.runDir,
  manifestFor: job.manifest ? () => job.manifest : undefined,
  lockTimeoutMs: job.lockTimeoutMs,
};
process.stdout.write('started\\n');
try {
  if (job.op === 'lock') {
    const release = await states.lockObjects(targets, { ...ctx, owner: job.owner });
    process.stdout.write('locked\\n');
    await lines.next();
    await release();
  } else {
    const run = { set: states.setStates, unset: states.unsetStates, get: states.getStates, pop: states.popStates }[job.op];
    await run(targets, ctx);
  }
  process.stdout.write('done\\n');
  process.exit(0);
} catch (error) {
  process.stdout.write(JSON.stringify({ error: { code: error.code, message: error.message, holder: error.holder } }) + '\\n');
  process.exit(1);
}
`;

/** Bundles the states module and the child script into `dir`; resolves with the script. */
export async function statesChildScript(dir: string): Promise<string> {
  await build({
    stdin: {
      contents:
        `export * from ${JSON.stringify(join(repo, 'src', 'states', 'index.ts'))};\n` +
        `export { Params } from ${JSON.stringify(join(repo, 'src', 'params', 'params.ts'))};\n`,
      resolveDir: repo,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outfile: join(dir, 'states.mjs'),
    logLevel: 'warning',
  });
  await symlink(join(repo, 'node_modules'), join(dir, 'node_modules'));
  const script = join(dir, 'child.mjs');
  await writeFile(script, SCRIPT);
  return script;
}

/** A child process that loaded the states module and waits for its job. */
export interface StateChild {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Sends the job; resolves when the child begins it. */
  start(job: ChildJob): Promise<void>;
  /** For `lock`: lets the child release its locks and exit. */
  release(): void;
  /** Resolves when the child printed `line` (`ready`, `started`, `locked`, `done`). */
  waitFor(line: string): Promise<void>;
  /** Resolves with how it ended and everything it printed. */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
}

/** Starts a child on `script` (see {@link statesChildScript}); send it a job with `start`. */
export function spawnStateChild(script: string): StateChild {
  const child = spawn(process.execPath, [script], {
    cwd: dirname(script),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let stdout = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of [...waiters]) {
      if (stdout.split('\n').includes(w.line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  // A killed child closes its stdin: writes after that must not crash the test.
  child.stdin.on('error', () => undefined);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>(
    (resolve) => {
      child.on('close', (code, signal) => {
        resolve({ code, signal, stdout });
      });
    },
  );
  if (child.pid === undefined) throw new Error('the child did not start');
  const waitFor = (line: string): Promise<void> => {
    if (stdout.split('\n').includes(line)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      waiters.push({ line, resolve });
      void ended.then(() => {
        reject(new Error(`the child ended before printing "${line}": ${stdout}`));
      });
    });
  };
  return {
    pid: child.pid,
    process: child,
    async start(job) {
      await waitFor('ready');
      child.stdin.write(`${JSON.stringify(job)}\n`);
      await waitFor('started');
    },
    release() {
      child.stdin.write('release\n');
    },
    waitFor,
    ended,
  };
}
