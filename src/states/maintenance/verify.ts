/**
 * `verify`: checks every kept state (readable qcow2, intact backing chains, matching
 * manifests) and repairs what is safe to repair.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkImage, type CheckResult, isQemuError, QemuCommandError } from '../../qemu/index.js';
import { pathExists } from '../../shared/index.js';
import type { BackendName } from '../backends/index.js';
import { withPoolLocks } from '../locks/index.js';
import { resolvedContext, type ResolvedContext, type StateContext } from '../ops/index.js';
import {
  imageFormatOf,
  imagePath,
  listStoredStates,
  poolDir,
  sidecarDir,
  type StoredState,
} from '../pool/index.js';
import { findMarkers, stateRecord, type StateTrust } from '../records/index.js';
import { isAbandonedPid, recoverQcow2ext, type Recovery } from '../recovery/index.js';
import { distinctImagesOf, type ImageTarget, type StateTarget } from '../target.js';

/** One thing `verifyStates` found wrong (or worth knowing). */
export interface VerifyProblem {
  /**
   * - `unreadable`: the file is not a readable qcow2 (not qcow2, damaged beyond checking);
   * - `corrupt`: `qemu-img check` found corruptions;
   * - `leaks`: leaked clusters (wasted space, no harm to data; `--repair` frees them);
   * - `backing-missing`: a file of its backing chain is gone;
   * - `manifest-bad`: the manifest does not parse or describes something else;
   * - `size-mismatch`: the manifest's size is not plausible for the file;
   * - `incomplete`: an interrupted operation left it (`--repair` discards it);
   * - `being-written`: a live process is writing it now;
   * - `no-manifest`: exists without a manifest (made by hand): usable, never trusted as current;
   * - `orphan-manifest`: a manifest whose state is gone (`--repair` removes it);
   * - `leftover-temp`: a temporary file of a process that died (`--repair` removes it);
   * - `in-use`: the image is held by a running vm, so it was checked read-only.
   */
  readonly code:
    | 'unreadable'
    | 'corrupt'
    | 'leaks'
    | 'backing-missing'
    | 'manifest-bad'
    | 'size-mismatch'
    | 'incomplete'
    | 'being-written'
    | 'no-manifest'
    | 'orphan-manifest'
    | 'leftover-temp'
    | 'in-use';
  /** Errors make `verify` fail unless repaired; warnings are reported only. */
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** What `--repair` did about it; absent when nothing was (not asked for, or not safe). */
  readonly repaired?: string;
}

/** What `verifyStates` says about one state, or one active image (`state` null). */
export interface VerifyEntry {
  readonly kind: 'images' | 'vms';
  readonly targets: readonly string[];
  /** `null` for an active image itself (its chain; internal states live in it). */
  readonly state: string | null;
  readonly backend?: BackendName;
  readonly file: string;
  readonly trust?: StateTrust;
  readonly problems: readonly VerifyProblem[];
}

/** The outcome of `verifyStates`. */
export interface VerifyReport {
  readonly entries: readonly VerifyEntry[];
  /** Errors left (not repaired): `verify` fails when there are any. */
  readonly errors: number;
  readonly warnings: number;
  /** Problems `--repair` dealt with. */
  readonly repaired: number;
}

const MIB = 1024 * 1024;
/** A temporary file of ours: `.<name>.<pid>.<hex>.tmp` (`tempPath`, lock and record writes). */
const TEMP = /^\..*\.(\d+)\.[0-9a-f]+\.tmp$/;

/**
 * Checks the states kept for some objects (see `listStoredStates`) and their active images:
 * every file is a readable qcow2 (`qemu-img check`), its backing chain is intact, every state's
 * manifest is there, parses, agrees with the state (object, name, backend, snapshot) and
 * records a plausible size; states left by interrupted operations, manifests without states
 * and temporary files of dead processes are found too. Read-only without `repair`: no locks
 * are taken, images in use are checked with `-U`.
 *
 * With `repair`, every object is locked first (waiting for other processes as any operation
 * does); interrupted operations are dealt with (`recoverTarget`: the state discarded, a moved
 * image put back), leaked clusters freed (`qemu-img check -r leaks`), manifests without
 * states and temporary files of dead processes removed. Anything else (corruption, a missing
 * backing file, a bad manifest) is reported, never "fixed" by guessing.
 */
export async function verifyStates(
  targets: readonly StateTarget[],
  ctx: StateContext & { readonly repair?: boolean },
): Promise<VerifyReport> {
  const rctx = resolvedContext(ctx);
  if (ctx.repair !== true) return verify(targets, [], false, rctx);
  return withPoolLocks(targets, 'cartograph verify --repair', rctx, (recovered) =>
    verify(targets, recovered, true, rctx),
  );
}

async function verify(
  targets: readonly StateTarget[],
  recovered: readonly Recovery[],
  repair: boolean,
  ctx: ResolvedContext,
): Promise<VerifyReport> {
  const entries: VerifyEntry[] = recovered.map((r) => ({
    kind: r.kind,
    targets: [r.target],
    state: r.state,
    backend: r.backend,
    file: '',
    problems: [
      {
        code: 'incomplete',
        severity: 'error',
        message: `left by an interrupted ${r.op}`,
        ...(r.done ? { repaired: r.detail } : {}),
      },
    ],
  }));
  const images = distinctImagesOf(targets);

  // The active images: readable, chains intact (their internal states live in them).
  const actives = new Map<string, string[]>();
  for (const image of images) {
    if (imageFormatOf(image) !== 'qcow2') continue;
    const path = imagePath(image, ctx.cwd);
    actives.set(path, [...(actives.get(path) ?? []), image.id]);
  }
  for (const [path, ids] of actives) {
    if (!(await pathExists(path))) continue;
    entries.push({
      kind: 'images',
      targets: ids,
      state: null,
      file: path,
      problems: await checkFile(path, repair, ctx),
    });
  }

  const stored = await listStoredStates(targets, ctx);
  for (const s of stored) {
    entries.push({
      kind: s.kind,
      targets: s.targets,
      state: s.state,
      backend: s.backend,
      file: s.file,
      trust: s.trust,
      problems: await stateProblems(s, images, repair, ctx),
    });
  }

  entries.push(...(await leftoverTemps(images, actives, repair, ctx.cwd)));
  let errors = 0;
  let warnings = 0;
  let repaired = 0;
  for (const problem of entries.flatMap((e) => e.problems)) {
    if (problem.repaired !== undefined) repaired++;
    else if (problem.severity === 'error') errors++;
    else warnings++;
  }
  return { entries, errors, warnings, repaired };
}

/** What a QEMU program said about a file it could not read: its last line, else the message. */
function qemuSaid(error: Error): string {
  const tail =
    error instanceof QemuCommandError ? error.stderrTail.trim().split('\n').at(-1) : undefined;
  return tail === undefined || tail === ''
    ? error.message
    : `qemu-img: ${tail.replace(/^qemu-img: /, '')}`;
}

/** `qemu-img check` of one file, as problems; with `repair`, leaked clusters are freed. */
async function checkFile(
  path: string,
  repair: boolean,
  ctx: ResolvedContext,
): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  let result: CheckResult;
  let inUse = false;
  try {
    try {
      result = await checkImage(path, ctx.qemu);
    } catch (error) {
      if (!isQemuError(error, 'QEMU_IMAGE_LOCKED')) throw error;
      inUse = true;
      result = await checkImage(path, { ...ctx.qemu, forceShare: true });
    }
  } catch (error) {
    if (!isQemuError(error)) throw error;
    if (error.code === 'QEMU_IMAGE_MISSING') {
      const missing = error instanceof QemuCommandError ? error.image : undefined;
      return [
        {
          code: 'backing-missing',
          severity: 'error',
          message:
            missing === undefined || missing === path
              ? error.message
              : `its backing chain is broken: ${missing} is missing`,
        },
      ];
    }
    return [{ code: 'unreadable', severity: 'error', message: qemuSaid(error) }];
  }
  if (inUse) {
    problems.push({
      code: 'in-use',
      severity: 'warning',
      message: 'held by a running vm: checked read-only, what it finds may be in flux',
    });
  }
  if (result.status === 'corrupt' || result.checkErrors > 0) {
    problems.push({
      code: 'corrupt',
      severity: inUse ? 'warning' : 'error',
      message: `qemu-img check found ${result.corruptions} corruptions${result.checkErrors > 0 ? ` and ${result.checkErrors} errors` : ''}`,
    });
  } else if (result.status === 'leaks') {
    let fixed: string | undefined;
    if (repair && !inUse) {
      const after = await checkImage(path, { ...ctx.qemu, repair: 'leaks' });
      if (after.leaks === 0) fixed = `freed ${after.leaksFixed} leaked clusters`;
    }
    problems.push({
      code: 'leaks',
      severity: inUse ? 'warning' : 'error',
      message: `${result.leaks} leaked clusters (wasted space, no harm to data)`,
      ...(fixed === undefined ? {} : { repaired: fixed }),
    });
  }
  return problems;
}

async function stateProblems(
  s: StoredState,
  images: readonly ImageTarget[],
  repair: boolean,
  ctx: ResolvedContext,
): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  if (s.marker !== undefined) {
    if (s.marker.writerAlive) {
      problems.push({
        code: 'being-written',
        severity: 'warning',
        message: `pid ${s.marker.pid} on ${s.marker.host} is writing it (since ${s.marker.startedAt})`,
      });
      return problems;
    }
    let fixed: string | undefined;
    // Markers of objects locked as qcow2ext were dealt with already; one in the pool of an
    // object whose states live elsewhere now is dealt with here.
    const owner = images.find((i) => s.targets.includes(i.id));
    if (repair && s.backend === 'qcow2ext' && owner !== undefined) {
      const done = await recoverQcow2ext(owner, s.marker, ctx);
      if (done.done) fixed = done.detail;
    }
    problems.push({
      code: 'incomplete',
      severity: 'error',
      message: `left by an interrupted ${s.marker.op} of pid ${s.marker.pid} (${s.marker.startedAt})`,
      ...(fixed === undefined ? {} : { repaired: fixed }),
    });
    return problems;
  }
  if (!s.exists) {
    let fixed: string | undefined;
    if (repair) {
      await rm(stateRecord(recordDirOfStored(s), s.state).manifest, { force: true });
      fixed = 'removed the manifest';
    }
    problems.push({
      code: 'orphan-manifest',
      severity: 'warning',
      message: 'a manifest whose state is gone',
      ...(fixed === undefined ? {} : { repaired: fixed }),
    });
    return problems;
  }
  if (s.backend === 'qcow2ext') problems.push(...(await checkFile(s.file, repair, ctx)));
  if (s.backend === 'ramfile' && s.bytes === 0) {
    problems.push({ code: 'unreadable', severity: 'error', message: 'its RAM file is empty' });
  }
  if (s.manifestProblem !== undefined) {
    problems.push({
      code: 'manifest-bad',
      severity: 'error',
      message: `its manifest is unusable: ${s.manifestProblem}`,
    });
  } else if (s.manifest === undefined) {
    problems.push({
      code: 'no-manifest',
      severity: 'warning',
      message: 'no manifest (made by hand or by another tool): usable, not verified as current',
    });
  } else {
    const why = await implausibleSize(s);
    if (why !== undefined)
      problems.push({ code: 'size-mismatch', severity: 'error', message: why });
  }
  return problems;
}

/** The directory of a stored state's records (see `recordDirOf`). */
function recordDirOfStored(s: StoredState): string {
  if (s.backend === 'qcow2ext' || s.backend === 'ramfile') return dirname(s.file);
  return join(sidecarDir(s.file), s.kind === 'vms' ? 'vms' : 'images');
}

/** Why a manifest's size cannot be right for the state's file, if it cannot. */
async function implausibleSize(s: StoredState): Promise<string | undefined> {
  const recorded = s.manifest?.size ?? 0;
  if (s.backend === 'qcow2ext' || s.backend === 'ramfile') {
    const actual = s.bytes;
    if (actual < recorded / 2 || actual > recorded * 2 + MIB) {
      return `its manifest records ${recorded} bytes, the file has ${actual}`;
    }
    return undefined;
  }
  const image = (await stat(s.file)).size;
  return recorded > image
    ? `its manifest records ${recorded} bytes, more than the whole image (${image})`
    : undefined;
}

/**
 * Temporary files of processes that died, in the places cartograph writes (pool directories,
 * image directories, record directories), except where a marker says an interrupted
 * operation may still need them.
 */
async function leftoverTemps(
  images: readonly ImageTarget[],
  actives: ReadonlyMap<string, readonly string[]>,
  repair: boolean,
  cwd: string,
): Promise<VerifyEntry[]> {
  const dirs = new Map<string, string[]>();
  const note = (dir: string, id: string): void => {
    dirs.set(dir, [...new Set([...(dirs.get(dir) ?? []), id])]);
  };
  for (const image of images) {
    if ((image.params.get('swarm_pool') ?? '') !== '') note(poolDir(image, cwd), image.id);
  }
  for (const [path, ids] of actives) {
    for (const id of ids) {
      note(dirname(path), id);
      note(join(sidecarDir(path), 'images'), id);
      note(join(sidecarDir(path), 'vms'), id);
    }
  }
  const entries: VerifyEntry[] = [];
  for (const [dir, ids] of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    if ((await findMarkers(dir)).length > 0) continue;
    for (const name of names) {
      const pid = TEMP.exec(name)?.[1];
      if (pid === undefined || !isAbandonedPid(Number(pid)) || Number(pid) === process.pid)
        continue;
      const file = join(dir, name);
      if (repair) await rm(file, { force: true, recursive: true });
      entries.push({
        kind: 'images',
        targets: ids,
        state: null,
        file,
        problems: [
          {
            code: 'leftover-temp',
            severity: 'warning',
            message: `a temporary file of pid ${pid}, which is gone`,
            ...(repair ? { repaired: 'removed it' } : {}),
          },
        ],
      });
    }
  }
  return entries;
}
