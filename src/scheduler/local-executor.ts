/**
 * Runs nodes on this machine: brings a node's objects to the states it gets (roots created,
 * vms booted as needed), runs its command with its params in a JSON file and environment
 * variables (never spliced into the command text), saves the states it sets, and stops the
 * vms it started. It holds the node's objects against other cartograph processes meanwhile
 * and saves each state with a manifest of its key. The scheduler only sees the `NodeWork`
 * interface, so other executors (remote workers) can take its place.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunError } from '../errors.js';
import { type BoundNode, type StateKey, stateRefKey } from '../graph/index.js';
import { Params, ROOT_STATE_NAMES } from '../params/index.js';
import { dictToJson } from '../parser/index.js';
import {
  bootVms,
  createRoots,
  describeLockHolder,
  findVm,
  getStates,
  imagePath,
  type ImageTarget,
  inspectStates,
  isHolderAlive,
  listStoredStates,
  type LockHolder,
  lockObjects,
  parsePolicy,
  processIdentity,
  setStates,
  shutdownVms,
  type StateContext,
  type StateEvent,
  type StateManifestInput,
  type StateQuery,
  type StateTarget,
  stopVmsUnder,
  unsetStates,
  vmHardware,
  type VmTarget,
} from '../states/index.js';
import type { NodeWork } from './execute-plan.js';
import { cloneVerdict, type NodeTarget, nodeTargets } from './node-targets.js';
import { runNodeCommand } from './run-node-command.js';

export interface LocalExecutorOptions {
  /** Where relative paths of params resolve (the user's working directory). */
  readonly cwd: string;
  /** Directory of vm run directories (shared with `cartograph boot`). */
  readonly vmRunDir: string;
  /** This run's directory: per-node logs, params files and work directories. */
  readonly runDir: string;
  /** Directory of the nodes config, given to commands as `CARTOGRAPH_CONFIG_DIR`. */
  readonly configDir: string;
  /**
   * The objects config, given to commands as `CARTOGRAPH_OBJECTS` so that `cartograph exec`
   * and the state commands find the suite from a node's work directory.
   */
  readonly objectsFile?: string | undefined;
  readonly onStateEvent?: (nodeId: string, event: StateEvent) => void;
  /** The key each state would get now, by `stateRefKey`: recorded in the states' manifests. */
  readonly keys: ReadonlyMap<string, StateKey>;
  /** How long to wait for objects another cartograph process holds (ms). */
  readonly lockTimeoutMs?: number | undefined;
  /**
   * Tests run on throw-away clones of their objects where every state they start from can be
   * cloned (qcow2ext image states, ramfile vm states), so that many run at once.
   * @default true
   */
  readonly clones?: boolean | undefined;
  /** Keep the clones of failed tests (the node's step says where). @default false */
  readonly keepFailed?: boolean | undefined;
}

export class LocalExecutor implements NodeWork {
  constructor(private readonly options: LocalExecutorOptions) {}

  resources(node: BoundNode): readonly string[] {
    // A test on clones touches none of its objects' own images or vms.
    if (this.cloneable(node)) return [];
    const keys: string[] = [];
    for (const { target } of this.targets(node)) {
      keys.push(`vm:${target.id}`);
      for (const image of target.images) keys.push(`image:${imagePath(image, this.options.cwd)}`);
    }
    return keys;
  }

  memoryMiB(node: BoundNode): number {
    let sum = 0;
    for (const { target } of this.targets(node)) {
      const runs = ['get_state', 'set_state'].some((k) => has(target.params, k));
      if (!runs && target.params.get('boot') !== 'yes') continue;
      try {
        sum += vmHardware(target, this.options.cwd).memoryMiB;
      } catch {
        // A bad value fails the node when it boots (and the suite check names it first).
      }
    }
    return sum;
  }

  /** Whether a node runs on clones (`cloneVerdict`), unless clones are turned off. */
  cloneable(node: BoundNode): boolean {
    return this.options.clones !== false && cloneVerdict(node).clones;
  }

  logFile(node: BoundNode): string {
    return join(this.nodeDir(node), 'log.txt');
  }

  async run(
    node: BoundNode,
    attempt: number,
    signal: AbortSignal,
    step: (what: string) => void,
  ): Promise<string | undefined> {
    const dir = this.nodeDir(node);
    mkdirSync(dir, { recursive: true });
    const ctx: StateContext = {
      cwd: this.options.cwd,
      runDir: this.options.vmRunDir,
      signal,
      onEvent: (e) => this.options.onStateEvent?.(node.id, e),
      manifestFor: (target, state) => this.manifestFor(node, target, state),
      lockTimeoutMs: this.options.lockTimeoutMs,
    };
    const targets = this.targets(node);
    // Other cartograph processes keep off the node's objects until it is done with them.
    const unlock = await lockObjects(
      targets.map((t) => t.target),
      {
        ...ctx,
        owner: `cartograph run (pid ${process.pid}), node ${node.id}`,
        onEvent: (e) => {
          if (e.type === 'lock-wait')
            step(`wait for ${e.what}, locked by ${describeLockHolder(e.holder)}`);
          ctx.onEvent?.(e);
        },
      },
    );
    try {
      if (await this.madeMeanwhile(node, targets, ctx)) {
        return 'another run made its states meanwhile';
      }
      if (this.cloneable(node)) await this.workOnClones(node, targets, ctx, dir, attempt, step);
      else await this.work(node, targets, ctx, dir, attempt, signal, step);
      return undefined;
    } finally {
      await unlock();
    }
  }

  /**
   * Runs a test on throw-away clones of its objects, in a scratch directory of its own: each
   * image a thin overlay on the pool state it gets, each vm its own qemu process (own run
   * directory, sockets and forwarded ports) restored or booted on them. Everything it is given
   * (image paths, QMP, `cartograph exec`) points at the clones. They go when it ends, also
   * when it fails (unless `keepFailed`); what a killed run leaves, the next one sweeps.
   */
  private async workOnClones(
    node: BoundNode,
    targets: readonly NodeTarget[],
    ctx: StateContext,
    dir: string,
    attempt: number,
    step: (what: string) => void,
  ): Promise<void> {
    const scratch = join(dir, 'clone');
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    // Who owns the clones: a later run sweeps them only when this process is gone.
    writeFileSync(join(scratch, OWNER_FILE), `${JSON.stringify(processIdentity())}\n`);
    // Its own run directory: the clones' vms, sockets and locks are apart from the object's
    // (the pool a clone reads stays locked the usual way for the moment of a get).
    const cloneCtx: StateContext = { ...ctx, runDir: join(scratch, 'run') };
    const clones = targets.map(({ vm, target }) => ({ vm, target: cloneOf(target, scratch) }));
    step(`on clones in ${scratch}`);
    let passed = false;
    try {
      await this.work(node, clones, cloneCtx, dir, attempt, cloneCtx.signal ?? neverAborted, step);
      passed = true;
    } finally {
      await stopVmsUnder({ ...cloneCtx, signal: undefined }, 'the test on it ended').catch(
        () => undefined,
      );
      if (passed || this.options.keepFailed !== true) {
        rmSync(scratch, { recursive: true, force: true });
      } else {
        step(`kept its clones in ${scratch}`);
      }
    }
  }

  /** Whether every state the node sets is there now, as it would make it (so nothing to do). */
  private async madeMeanwhile(
    node: BoundNode,
    targets: readonly NodeTarget[],
    ctx: StateContext,
  ): Promise<boolean> {
    if (node.sets.length === 0) return false;
    const queries: StateQuery[] = [];
    for (const set of node.sets) {
      const vm = targets.find((t) => t.vm.id === set.vm.id)?.target;
      const target = set.type === 'vms' ? vm : vm?.images.find((i) => i.id === set.objectId);
      if (target === undefined) return false;
      queries.push({ target, state: set.state });
    }
    const found = await inspectStates(queries, ctx);
    return node.sets.every((set, i) => {
      const f = found[i];
      const expected = this.options.keys.get(stateRefKey(set));
      return f?.trust === 'manifest' && expected !== undefined && f.manifest?.key === expected.key;
    });
  }

  /**
   * Removes the states built on a state the node makes again (external states: their data is
   * relative to it). They are stale anyway, their key records the one it replaces, and the
   * backend refuses to overwrite a state others are built on.
   */
  private async dropDependents(
    images: readonly ImageTarget[],
    ctx: StateContext,
    step: (what: string) => void,
  ): Promise<void> {
    // Only where the set policy overwrites an existing state (the default, `ff`).
    const overwritten = images.filter(
      (i) => parsePolicy(i, 'set', 'set_mode', 'ff').exists === 'f',
    );
    if (overwritten.length === 0) return;
    const stored = await listStoredStates(overwritten, ctx);
    for (const image of overwritten) {
      const state = image.params.get('set_state');
      const own = stored.filter((s) => s.kind === 'images' && s.targets.includes(image.id));
      const file = own.find((s) => s.state === state && s.exists)?.file;
      if (file === undefined) continue;
      for (const child of own.filter((s) => s.exists && s.backing === file)) {
        step(`unset ${child.state} of ${image.id} (built on ${state ?? ''}, made again)`);
        const params = new Params([
          ...image.params.entries(),
          ['unset_state', child.state],
          ['unset_mode', 'fi'],
          ['unset_dependents', 'yes'],
        ]);
        await unsetStates([{ ...image, params }], ctx);
      }
    }
  }

  private manifestFor(
    node: BoundNode,
    target: StateTarget,
    state: string,
  ): StateManifestInput | undefined {
    const key = this.options.keys.get(
      stateRefKey({ type: target.kind, objectId: target.id, state }),
    );
    if (key === undefined) return undefined;
    return { key: key.key, producer: node.id, parents: key.inputs.parents, inputs: key.inputs };
  }

  private async work(
    node: BoundNode,
    targets: readonly NodeTarget[],
    ctx: StateContext,
    dir: string,
    attempt: number,
    signal: AbortSignal,
    step: (what: string) => void,
  ): Promise<void> {
    const booted: VmTarget[] = [];
    try {
      // 1. The states the node starts from. A vm state brings back disk and RAM together, so
      // a vm whose state is got does not also get image states.
      for (const { target } of targets) {
        const vmState = has(target.params, 'get_state');
        if (vmState) {
          step(`get ${target.params.get('get_state') ?? ''} of ${target.id}`);
          await getStates([target], ctx);
          booted.push(target);
          continue;
        }
        // A root is made by the backend (check_mode, default: create it when missing).
        const withState = target.images.filter((i) => has(i.params, 'get_state') && !isRoot(i));
        const plain = target.images.filter((i) => !has(i.params, 'get_state') || isRoot(i));
        if (plain.length > 0) {
          step(`root of ${plain.map((i) => i.id).join(', ')}`);
          await createRoots(plain, ctx);
        }
        if (withState.length > 0) {
          step(`get ${describe(withState, 'get_state')}`);
          await getStates(withState, ctx);
        }
        if (has(target.params, 'set_state') || target.params.get('boot') === 'yes') {
          step(`boot ${target.id}`);
          await bootVms([target], ctx);
          booted.push(target);
        }
      }
      // 2. The node's own work.
      await this.execute(node, targets, ctx.runDir, dir, signal, step, attempt);
      // 3. The states it leaves: vm states while the vm runs, then image states (which stop
      // the vm first).
      for (const { target } of targets) {
        if (has(target.params, 'set_state')) {
          step(`set ${target.params.get('set_state') ?? ''} of ${target.id}`);
          await setStates([target], ctx);
        }
        const images = target.images.filter((i) => has(i.params, 'set_state'));
        if (images.length > 0) {
          await this.dropDependents(images, ctx, step);
          step(`set ${describe(images, 'set_state')}`);
          await setStates(images, ctx);
        }
      }
    } finally {
      // Vms started for the node do not outlive it: they would hold their images. A node
      // that gets or sets states leaves nothing on the disks that a state does not hold, so
      // its vms are quit at once rather than shut down by their guests.
      if (booted.length > 0) {
        const stopFor = node.gets.length > 0 || node.sets.length > 0 ? 'discard' : 'keep';
        await shutdownVms(booted, { ...ctx, signal: undefined, stopFor }).catch(() => undefined);
      }
    }
  }

  private async execute(
    node: BoundNode,
    targets: readonly NodeTarget[],
    vmRunDir: string,
    dir: string,
    signal: AbortSignal,
    step: (what: string) => void,
    attempt: number,
  ): Promise<void> {
    const type =
      node.variant.params.get('type') ?? (has(node.variant.params, 'command') ? 'command' : 'noop');
    if (type === 'noop') return;
    if (type !== 'command') {
      throw new RunError(
        'RUN_BAD_TYPE',
        `node ${node.variant.name}: type "${type}" is neither command nor noop`,
      );
    }
    const command = node.variant.params.get('command') ?? '';
    if (command.trim() === '') {
      throw new RunError(
        'RUN_BAD_TYPE',
        `node ${node.variant.name} has type command but no command`,
      );
    }
    const env: Record<string, string> = {
      CARTOGRAPH_NODE: node.id,
      CARTOGRAPH_CONFIG_DIR: this.options.configDir,
      CARTOGRAPH_ATTEMPT: String(attempt),
      // What `cartograph exec` and the state commands need to work from the node's directory.
      CARTOGRAPH_WORKDIR: resolve(this.options.cwd),
      CARTOGRAPH_RUN_DIR: resolve(this.options.cwd, vmRunDir),
      CARTOGRAPH_VM_IDS: targets.map(({ vm }) => `${vm.name}:${vm.id}`).join(' '),
      PATH: [this.binDir(), process.env.PATH ?? ''].join(delimiter),
    };
    if (this.options.objectsFile !== undefined) {
      env.CARTOGRAPH_OBJECTS = resolve(this.options.cwd, this.options.objectsFile);
    }
    const objects: Record<string, unknown> = {};
    for (const { vm, target } of targets) {
      const running = await findVm(target, { cwd: this.options.cwd, runDir: vmRunDir });
      const images: Record<string, unknown> = {};
      for (const image of target.images) {
        const path = imagePath(image, this.options.cwd);
        images[image.name] = {
          id: image.id,
          path,
          params: dictToJson(new Map(image.params.entries())),
        };
        env[`CARTOGRAPH_IMAGE_${envName(vm.name)}_${envName(image.name)}`] = path;
      }
      if (running !== undefined) {
        const name = envName(vm.name);
        env[`CARTOGRAPH_QMP_${name}`] = running.qmpSocket;
        env[`CARTOGRAPH_SERIAL_${name}`] = running.serialSocket;
        env[`CARTOGRAPH_AGENT_${name}`] = running.agentSocket;
        for (const forward of Object.values(running.forwards).flat()) {
          env[`CARTOGRAPH_PORT_${name}_${forward.guestPort}`] = String(forward.hostPort);
        }
      }
      objects[vm.id] = {
        vm: vm.name,
        variant: vm.variant,
        params: dictToJson(new Map(target.params.entries())),
        images,
        ...(running === undefined
          ? {}
          : {
              qmp: running.qmpSocket,
              serial: running.serialSocket,
              agent: running.agentSocket,
              console: running.consoleLog,
              forwards: running.forwards,
            }),
      };
    }
    const first = targets[0];
    if (first !== undefined) {
      env.CARTOGRAPH_VM = first.vm.name;
      const image = first.target.images[0];
      if (image !== undefined) env.CARTOGRAPH_IMAGE = imagePath(image, this.options.cwd);
    }
    const paramsFile = join(dir, 'params.json');
    writeFileSync(
      paramsFile,
      JSON.stringify(
        {
          node: {
            id: node.id,
            name: node.variant.name,
            params: dictToJson(new Map(node.variant.params.entries())),
          },
          objects,
        },
        null,
        2,
      ) + '\n',
    );
    env.CARTOGRAPH_PARAMS = paramsFile;
    step('command');
    const timeout = node.variant.params.getNumeric('command_timeout', 0);
    await runNodeCommand({
      command,
      cwd: dir,
      env,
      logFile: this.logFile(node),
      signal,
      ...(timeout > 0 ? { timeoutMs: timeout * 1000 } : {}),
    });
  }

  /**
   * A directory with `cartograph` in it for node commands' PATH: a link to this cartograph's
   * launcher (two levels above this module in src/, dist/ and the bundle alike), so a command
   * calls the same version that runs it.
   */
  private binDir(): string {
    const dir = join(this.options.runDir, 'bin');
    const link = join(dir, 'cartograph');
    if (!existsSync(link)) {
      mkdirSync(dir, { recursive: true });
      try {
        symlinkSync(fileURLToPath(new URL('../../bin/cartograph.js', import.meta.url)), link);
      } catch (error) {
        // Another node of this run made it first.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return dir;
  }

  private targets(node: BoundNode): NodeTarget[] {
    return nodeTargets(node);
  }

  private nodeDir(node: BoundNode): string {
    return resolve(this.options.runDir, 'nodes', safeName(node.id));
  }
}

function isRoot(image: ImageTarget): boolean {
  return ROOT_STATE_NAMES.has(image.params.get('get_state') ?? '');
}

function has(params: Params, key: string): boolean {
  const v = params.get(key);
  return v !== undefined && v !== '';
}

function describe(images: readonly ImageTarget[], param: string): string {
  return images.map((i) => `${i.params.get(param) ?? ''} of ${i.id}`).join(', ');
}

/** `vm-1` → `VM_1`: environment variable names are upper-case letters, digits and `_`. */
function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** A node id as a directory name. */
function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.,@-]/g, '_');
}

/** The file in a clone directory that names the process that owns it. */
const OWNER_FILE = 'owner.json';

const neverAborted = new AbortController().signal;

/**
 * A vm target whose images live in `scratch` (same names, same pool): getting a qcow2ext
 * state into it makes a fresh overlay there on the pool file, and its vm runs from there.
 */
function cloneOf(target: VmTarget, scratch: string): VmTarget {
  // A clone's image is made by the get of its state, its vm by the restore of its vm state:
  // neither needs a root first (`check_mode = ri`: keep one that is there, make none).
  const images = target.images.map((image): ImageTarget => ({
    ...image,
    params: new Params([
      ...image.params.entries(),
      ['images_base_dir', join(scratch, 'images')],
      ['image_name', image.name],
      ['image_format', 'qcow2'],
      ['check_mode', 'ri'],
    ]),
  }));
  const vmState = target.params.get('get_state') ?? '';
  const restores = vmState !== '' && !ROOT_STATE_NAMES.has(vmState);
  const params = restores
    ? new Params([...target.params.entries(), ['check_mode', 'ri']])
    : target.params;
  return { ...target, params, images };
}

/**
 * Stops the vms and removes the clone directories that runs killed before they could (their
 * owner is gone), under the run directories of `runsDir`; clones of live runs stay.
 */
export async function sweepClones(runsDir: string, cwd: string): Promise<string[]> {
  const swept: string[] = [];
  for (const run of readDirSafe(runsDir)) {
    const nodes = join(runsDir, run, 'nodes');
    for (const node of readDirSafe(nodes)) {
      const scratch = join(nodes, node, 'clone');
      const owner = readOwner(join(scratch, OWNER_FILE));
      if (owner === undefined || isHolderAlive(owner)) continue;
      await stopVmsUnder({ cwd, runDir: join(scratch, 'run') }, 'its run is gone').catch(
        () => undefined,
      );
      rmSync(scratch, { recursive: true, force: true });
      swept.push(scratch);
    }
  }
  return swept;
}

function readDirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readOwner(file: string): LockHolder | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string'
      ? ({ owner: 'a test on clones', startedAt: '', token: '', ...owner } as LockHolder)
      : undefined;
  } catch {
    return undefined;
  }
}
