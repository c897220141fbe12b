import { join } from 'node:path';
import pLimit from 'p-limit';
import { imageInfo } from '../qemu/index.js';
import { backingOf } from './backing-of.js';
import { listPool } from './list-pool.js';
import type { PoolState } from './pool-state.js';
import type { ResolvedContext } from './resolved-context.js';

/**
 * The states of a pool directory with their backing files (one `qemu-img info -U` per state,
 * run concurrently): what is needed to tell which states are built on which.
 */
export async function readPool(dir: string, ctx: ResolvedContext): Promise<PoolState[]> {
  const limit = pLimit(ctx.concurrency);
  return Promise.all(
    (await listPool(dir)).map((s) =>
      limit(async (): Promise<PoolState> => {
        const file = join(dir, `${s.name}.qcow2`);
        const info = await imageInfo(file, { ...ctx.qemu, forceShare: true });
        return { name: s.name, file, backing: backingOf(file, info) };
      }),
    ),
  );
}
