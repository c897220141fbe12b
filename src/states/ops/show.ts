/**
 * Read-only questions: which states an object has (`show`) and whether named ones exist
 * (`check`).
 */
import pLimit from 'p-limit';
import type { ImageInfo } from '../../qemu/index.js';
import { pathExists } from '../../shared/index.js';
import { backendFor } from '../backends/index.js';
import { imageFormatOf, imagePath } from '../pool/index.js';
import { inspectState, probeStates } from '../records/index.js';
import type { StateTarget } from '../target.js';
import { locateVm } from '../vms/index.js';
import { resolvedContext, type ResolvedContext, type StateContext } from './context.js';
import type { CheckResult, ShowResult } from './results.js';

/** For listings: the image exists (whether its vm runs or not), or the vm runs. */
export async function rootPresent(target: StateTarget, ctx: ResolvedContext): Promise<boolean> {
  if (target.kind === 'vms') return (await locateVm(target.vmId, ctx)) !== undefined;
  imageFormatOf(target);
  return pathExists(imagePath(target, ctx.cwd));
}

/**
 * The states of each target (in the order given), read without changing anything and without
 * locks: `qemu-img info -U` for internal states, the pool directory for external ones, and
 * each state's trust (`inspectState`; one `qemu-img info` per image serves both). The targets
 * are read concurrently, at most `ctx.concurrency` (default: the core count) at once.
 */
export async function showStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<ShowResult[]> {
  const rctx = { ...resolvedContext(ctx), infoCache: new Map<string, Promise<ImageInfo>>() };
  const backends = targets.map((t) => backendFor(t));
  const limit = pLimit(rctx.concurrency);
  return Promise.all(
    targets.map((target, i) =>
      limit(async (): Promise<ShowResult> => {
        const backend = backends[i] ?? backendFor(target);
        const [root, found, vm] = await Promise.all([
          rootPresent(target, rctx),
          backend.show(rctx),
          target.kind === 'vms' ? locateVm(target.vmId, rctx) : undefined,
        ]);
        const states = await Promise.all(
          [...found]
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
            .map(async (s) => ({
              ...s,
              trust: (await inspectState(target, s.name, backend, rctx)).trust,
            })),
        );
        const running =
          vm === undefined
            ? {}
            : {
                running: {
                  pid: vm.pid,
                  runDir: vm.runDir,
                  serialSocket: vm.serialSocket,
                  agentSocket: vm.agentSocket,
                  consoleLog: vm.consoleLog,
                  forwards: vm.forwards,
                },
              };
        return {
          target: target.id,
          kind: target.kind,
          backend: backend.name,
          root,
          states,
          ...running,
        };
      }),
    ),
  );
}

/**
 * Whether the states named by `check_state` exist, for each target that names one. Read-only:
 * unlike the reference, `check` never applies `check_mode` (it does not create roots), so that
 * asking is always safe; see `probeStates`.
 */
export async function checkStates(
  targets: readonly StateTarget[],
  ctx: StateContext,
): Promise<CheckResult[]> {
  const asked = targets.flatMap((target) => {
    const state = target.params.get('check_state');
    return state === undefined || state === '' ? [] : [{ target, state }];
  });
  const answers = await probeStates(asked, ctx);
  return asked.map(({ target, state }, i) => ({
    target: target.id,
    kind: target.kind,
    state,
    backend: backendFor(target).name,
    exists: answers[i] === true,
  }));
}
