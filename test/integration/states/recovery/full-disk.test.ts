/**
 * A full disk during `set` (issue 13): a clear, coded error (`FS_NO_SPACE`) naming the
 * parameter behind the path, the earlier state of the object intact, nothing half-written
 * trusted, and the next set with room succeeds.
 *
 * How the disk fills up, without loop devices or privileges: the set runs in a child process
 * (the states module bundled for node, `states-child.ts`) whose file size limit is lowered
 * with `prlimit --pid` (RLIMIT_FSIZE) once it is up. Past the limit every write that would
 * grow a file fails, as on a full disk: cartograph's own writes get EFBIG (Node ignores
 * SIGXFSZ), and the qemu-img it starts inherits the limit and fails with "File too large"
 * (it writes what fits, as on a full disk). Where this machine lets us mount, a small tmpfs
 * gives the real ENOSPC too (skipped elsewhere, saying why).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, expect, it } from 'vitest';
import { checkImage } from '../../../../src/qemu/index.js';
import {
  createRoots,
  getStates,
  type ImageTarget,
  imagePath,
  poolDir,
  type StateContext,
} from '../../../../src/states/index.js';
import { describeQemu } from '../../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../../helpers/qemu-sandbox.js';
import { spawnStateChild, statesChildScript, targetSpec } from '../../../helpers/states-child.js';
import { hasPattern, statesWorkspace, writePattern } from '../../../helpers/states-fixture.js';
import { inspectOne, killManifest, setWithKey } from '../../../helpers/states-kill.js';
import { statesSuite } from '../../../helpers/states-suite.js';
import { pooledImage, withParams } from '../../../helpers/states-targets.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

const hasPrlimit = spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).error === undefined;

describeQemu('a full disk during set', () => {
  const sandbox = useQemuSandbox();
  let script = '';
  beforeAll(async () => {
    script = await statesChildScript(await sandbox.dir());
  });

  /**
   * `set_state = state` of `image` in a child whose files may grow to `maxFileBytes` at
   * most; resolves with the error code it reported (or 'done').
   */
  async function setUnderLimit(
    image: ImageTarget,
    state: string,
    ctx: StateContext,
    maxFileBytes: number,
  ): Promise<{ code: string; message: string }> {
    const child = spawnStateChild(script);
    sandbox.trackPid(child.pid);
    await child.waitFor('ready');
    const limited = spawnSync('prlimit', ['--pid', String(child.pid), `--fsize=${maxFileBytes}`]);
    expect(limited.status, limited.stderr.toString()).toBe(0);
    await child.start({
      op: 'set',
      targets: [targetSpec(withParams(image, { set_state: state }))],
      cwd: ctx.cwd,
      runDir: ctx.runDir,
      manifest: killManifest(`k-${state}`),
    });
    const { stdout } = await child.ended;
    const last = stdout.trim().split('\n').at(-1) ?? '';
    if (last === 'done') return { code: 'done', message: '' };
    const { error } = JSON.parse(last) as { error: { code: string; message: string } };
    return error;
  }

  /** The image with `install` (0x11 at 0) saved and `customize` work (0x22 at 1M) on top. */
  async function installed(image: ImageTarget, ctx: StateContext): Promise<string> {
    const active = imagePath(image, ctx.cwd);
    await createRoots([image], ctx);
    await writePattern(active, 0x11);
    await setWithKey(image, 'install', 'k-install', ctx);
    await writePattern(active, 0x22, '1M', '1M');
    return active;
  }

  /** What must hold after the failed set: install intact, customize not there, data kept. */
  async function expectOldStateIntact(image: ImageTarget, ctx: StateContext): Promise<void> {
    const active = imagePath(image, ctx.cwd);
    expect(await inspectOne(image, 'install', ctx)).toMatchObject({
      trust: 'manifest',
      manifest: { key: 'k-install' },
    });
    expect((await inspectOne(image, 'customize', ctx))?.trust).not.toBe('manifest');
    // The image keeps what was written into it, and is a sound qcow2.
    expect(await hasPattern(active, 0x11)).toBe(true);
    expect(await hasPattern(active, 0x22, '1M', '1M')).toBe(true);
    expect((await checkImage(active, { forceShare: true })).status).toBe('clean');
  }

  /** The next set, with room, succeeds; install still restores its own content. */
  async function expectRecovers(image: ImageTarget, ctx: StateContext): Promise<void> {
    await setWithKey(image, 'customize', 'k-customize', ctx);
    expect(await inspectOne(image, 'customize', ctx)).toMatchObject({ trust: 'manifest' });
    await getStates([withParams(image, { get_state: 'install' })], ctx);
    expect(await hasPattern(imagePath(image, ctx.cwd), 0x11)).toBe(true);
    expect(await hasPattern(imagePath(image, ctx.cwd), 0x22, '1M', '1M')).toBe(false);
  }

  it.skipIf(!hasPrlimit)(
    'qemu-img cannot grow the image for an internal snapshot (qcow2)',
    async () => {
      const { ctx } = await statesWorkspace(sandbox);
      const image = pooledImage({ states: 'qcow2' });
      const active = await installed(image, ctx);
      // Not one byte more than the image has now: the snapshot's tables do not fit.
      const error = await setUnderLimit(image, 'customize', ctx, statSync(active).size);
      expect(error.code).toBe('FS_NO_SPACE');
      expect(error.message).toMatch(/^image_name in images_base_dir of vm1-tiny\/image1: qemu-img/);
      await expectOldStateIntact(image, ctx);
      await expectRecovers(image, ctx);
    },
    60_000,
  );

  it.skipIf(!hasPrlimit)(
    'qemu-img cannot write the new overlay after the image went into the pool (qcow2ext)',
    async () => {
      const { ctx } = await statesWorkspace(sandbox);
      const image = pooledImage();
      await installed(image, ctx);
      // A new overlay takes ~192 KiB: its header fits, its tables do not.
      const error = await setUnderLimit(image, 'customize', ctx, 64 * 1024);
      expect(error.code).toBe('FS_NO_SPACE');
      await expectOldStateIntact(image, ctx);
      // Nothing of the failed set is left in the pool: no marker, no temporary.
      const pool = poolDir(image, ctx.cwd);
      expect(
        readdirSync(pool)
          .filter((f) => f !== '.pool.lock')
          .sort(),
      ).toEqual(['install.json', 'install.qcow2']);
      await expectRecovers(image, ctx);
    },
    60_000,
  );

  it.skipIf(!hasPrlimit)(
    'cartograph set: its own first write fails (a lock file): a coded error, exit 1',
    async () => {
      const dir = await sandbox.dir();
      const { ctx, image } = await statesSuite(dir);
      await installed(image, ctx);
      const cli = await cliScript(await sandbox.dir());
      const r = spawnSync(
        'prlimit',
        [
          '--fsize=0',
          process.execPath,
          cli,
          'set',
          '--objects',
          'objects.cfg',
          'set_state_images=customize',
        ],
        { cwd: dir, encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/: the file grew beyond the size limit .*\[FS_NO_SPACE\]$/m);
      expect(r.stderr).not.toContain('internal error');
      await expectOldStateIntact(image, ctx);
      await expectRecovers(image, ctx);
    },
    60_000,
  );

  /** Runs `body` with a tmpfs of `size` mounted on `dir`; skips where mounting is not allowed. */
  async function onTmpfs(
    test: { skip: (note: string) => void },
    dir: string,
    size: string,
    body: () => Promise<void>,
  ): Promise<void> {
    mkdirSync(dir);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status !== 0) {
      test.skip(
        'mounting a tmpfs needs root with CAP_SYS_ADMIN; the RLIMIT_FSIZE cases cover the same failures without it',
      );
      return;
    }
    try {
      await body();
    } finally {
      spawnSync('umount', ['-l', dir]);
    }
  }

  /** Fills the file system of `dir` up to its last `left` bytes; resolves with the filler. */
  function fill(dir: string, left: number): string {
    const df = spawnSync('df', ['--output=avail', '-B1', dir], { encoding: 'utf8' });
    const free = Number(df.stdout.split('\n')[1]);
    const filler = join(dir, 'filler');
    writeFileSync(filler, Buffer.alloc(Math.max(0, free - left)));
    return filler;
  }

  it('a real ENOSPC in qemu-img: the images and the pool on a full tmpfs', async (test) => {
    const { ctx, dir } = await statesWorkspace(sandbox);
    const disk = join(dir, 'disk');
    await onTmpfs(test, disk, '8m', async () => {
      const image = pooledImage({ images_base_dir: 'disk/images', swarm_pool: 'disk/pool' });
      await installed(image, ctx);
      const filler = fill(disk, 16 * 1024);
      // The image goes into the pool by a rename; its new overlay does not fit.
      const error = await setUnderLimit(image, 'customize', ctx, 2 ** 40);
      expect(error.code).toBe('FS_NO_SPACE');
      expect(error.message).toMatch(/no space left on the device$/);
      await expectOldStateIntact(image, ctx);
      await rm(filler);
      await expectRecovers(image, ctx);
    });
  }, 60_000);

  it("a real ENOSPC in cartograph's own copy into a pool on a full tmpfs", async (test) => {
    const { ctx, dir } = await statesWorkspace(sandbox);
    const disk = join(dir, 'disk');
    await onTmpfs(test, disk, '8m', async () => {
      // The pool on another file system than the image: saving a state copies the image.
      const image = pooledImage({ swarm_pool: 'disk/pool' });
      await installed(image, ctx);
      const filler = fill(disk, 64 * 1024);
      const error = await setUnderLimit(image, 'customize', ctx, 2 ** 40);
      expect(error.code).toBe('FS_NO_SPACE');
      expect(error.message).toMatch(
        /^swarm_pool of vm1-tiny\/image1: .*no space left on the device$/,
      );
      await expectOldStateIntact(image, ctx);
      await rm(filler);
      await expectRecovers(image, ctx);
    });
  }, 60_000);
});

/** The command line bundled for node in `dir` (as `bin/cartograph.js` runs it); its script. */
async function cliScript(dir: string): Promise<string> {
  await build({
    entryPoints: [{ in: join(repo, 'src', 'cli', 'main.ts'), out: 'main' }],
    outdir: join(dir, 'cli'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  await symlink(join(repo, 'node_modules'), join(dir, 'node_modules'));
  const script = join(dir, 'cartograph.mjs');
  await writeFile(
    script,
    "import { main } from './cli/main.js';\n" +
      'process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });\n',
  );
  return script;
}
