/**
 * `cartograph exec`, `copy`, `console` and `boot` as a user runs them (the built launcher, as
 * a process) on the real Linux test guest: exact bytes, exit statuses, quoting, stdin, both
 * transports, concurrent calls, timeouts, a vm state loaded into a running guest; and the
 * failures a user meets — a vm that is not running, an unknown vm, a wrong password, a guest
 * that never boots — each a coded error with nothing left running.
 */
import { execa } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImage } from '../../../src/qemu/index.js';
import { LINUX_GUEST_LOGIN, linuxGuestImage } from '../../helpers/linux-guest.js';
import { describeQemu } from '../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../helpers/qemu-sandbox.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'cartograph.js');
const BOOT_MS = 180_000;

/** An objects config of one vm whose disk is an overlay of `base` (or a blank disk). */
function objects(extra: string): string {
  return `vms = vm1
images = image1
images_base_dir = images
image_format = qcow2
states_images = qcow2
states_vms = qcow2vt
variants:
    - vm1:
        image_name_image1 = vm1/disk
        mem = 256
        guest_access = serial
        guest_username = ${LINUX_GUEST_LOGIN.username}
        guest_password = ${LINUX_GUEST_LOGIN.password}
${extra
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => `        ${l}`)
  .join('\n')}
`;
}

/** A workspace in `root` with that config and vm1's disk: an overlay of the guest, or blank. */
async function workspace(dir: string, extra = '', base?: string): Promise<string> {
  await mkdir(join(dir, 'images', 'vm1'), { recursive: true });
  await writeFile(join(dir, 'objects.cfg'), objects(extra));
  await createImage(join(dir, 'images', 'vm1', 'disk.qcow2'), {
    size: '256M',
    ...(base === undefined ? {} : { backingFile: base, backingFormat: 'qcow2' }),
  });
  return dir;
}

/** Runs the launcher in `dir`; never rejects. */
function cli(dir: string, args: string[], options: { input?: Buffer | string } = {}) {
  return execa(process.execPath, [BIN, ...args, '--objects', 'objects.cfg'], {
    cwd: dir,
    reject: false,
    encoding: 'buffer',
    stripFinalNewline: false,
    ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }),
    timeout: 120_000,
  });
}

/** `exec` takes `--objects` before `--`. */
function exec(
  dir: string,
  command: string[],
  options: { input?: Buffer | string; args?: string[] } = {},
) {
  return execa(
    process.execPath,
    [BIN, 'exec', '--objects', 'objects.cfg', ...(options.args ?? []), '--', ...command],
    {
      cwd: dir,
      reject: false,
      encoding: 'buffer',
      stripFinalNewline: false,
      ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }),
      timeout: 120_000,
    },
  );
}

const text = (b: Uint8Array): string => Buffer.from(b).toString();
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

async function qemuProcesses(dir: string): Promise<number> {
  const ps = await execa('ps', ['-eo', 'args'], { reject: false });
  return ps.stdout.split('\n').filter((l) => l.includes('qemu-system') && l.includes(dir)).length;
}

describeQemu('cartograph exec, copy, console and boot on the real Linux guest', () => {
  // Its own directory, not a sandbox's: the vm lives across the tests of this block.
  let root = '';
  let base = '';
  let dir = '';

  beforeAll(async () => {
    base = await linuxGuestImage();
    root = await mkdtemp(join(tmpdir(), 'cg-guest-'));
    dir = await workspace(root, 'nics = nic1\nguest_forwards = 8080', base);
    const boot = await cli(dir, ['boot']);
    expect(text(boot.stderr)).toBe('');
    expect(boot.exitCode).toBe(0);
  }, BOOT_MS);

  afterAll(async () => {
    if (dir !== '') await cli(dir, ['shutdown']);
    expect(await qemuProcesses(dir)).toBe(0);
    if (root !== '') await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('passes arguments as they are, keeps stdout and stderr apart, exits with the status', async () => {
    const quoted = await exec(dir, ['printf', '%s\n', 'a b', '$HOME', "it's", '*']);
    expect(text(quoted.stdout)).toBe("a b\n$HOME\nit's\n*\n");
    expect(quoted.exitCode).toBe(0);
    const both = await exec(dir, ['sh', '-c', 'printf out; printf err >&2; exit 3']);
    expect(text(both.stdout)).toBe('out');
    expect(text(both.stderr)).toBe('err');
    expect(both.exitCode).toBe(3);
  }, 60_000);

  it('passes stdin, and brings large binary output back byte for byte', async () => {
    const input = randomBytes(100_000);
    const echoed = await exec(dir, ['cat'], { input });
    expect(md5(echoed.stdout)).toBe(md5(input));
    const sum = await exec(dir, ['md5sum'], { input });
    expect(text(sum.stdout).split(' ')[0]).toBe(md5(input));
    // Through the agent, a larger output: the guest's own checksum must match ours.
    const agent = ['--access', 'agent'];
    const big = await exec(
      dir,
      ['sh', '-c', 'head -c 3000000 /dev/urandom > /tmp/big; cat /tmp/big'],
      {
        args: agent,
      },
    );
    expect(big.exitCode, text(big.stderr)).toBe(0);
    expect(big.stdout.length).toBe(3_000_000);
    const guestSum = await exec(dir, ['md5sum', '/tmp/big'], { args: agent });
    expect(guestSum.exitCode, text(guestSum.stderr)).toBe(0);
    expect(text(guestSum.stdout).split(' ')[0]).toBe(md5(big.stdout));
  }, 120_000);

  it('gives concurrent calls on one vm each its own result', async () => {
    const calls = [1, 2, 3, 4].map((i) =>
      exec(dir, ['sh', '-c', `sleep 0.2; echo call-${i}; exit ${i}`], {
        args: i % 2 === 0 ? ['--access', 'agent'] : [],
      }),
    );
    const results = await Promise.all(calls);
    results.forEach((r, i) => {
      expect(text(r.stdout)).toBe(`call-${i + 1}\n`);
      expect(r.exitCode).toBe(i + 1);
    });
  }, 120_000);

  it('ends a command at --timeout with GUEST_TIMEOUT and 255; the guest stays usable', async () => {
    for (const access of ['serial', 'agent']) {
      const slow = await exec(dir, ['sleep', '100'], {
        args: ['--timeout', '1', '--access', access],
      });
      expect(slow.exitCode).toBe(255);
      expect(text(slow.stderr)).toContain('[GUEST_TIMEOUT]');
      const after = await exec(dir, ['echo', 'still here'], { args: ['--access', access] });
      expect(text(after.stdout)).toBe('still here\n');
    }
  }, 120_000);

  it('copies files in and out byte for byte, on both transports', async () => {
    const data = randomBytes(40_000);
    await writeFile(join(dir, 'in.bin'), data);
    for (const access of ['serial', 'agent']) {
      const into = await cli(dir, ['copy', '--access', access, 'in.bin', `:/tmp/${access}.bin`]);
      expect(text(into.stderr)).toBe('');
      expect(into.exitCode).toBe(0);
      const out = await cli(dir, [
        'copy',
        '--access',
        access,
        `:/tmp/${access}.bin`,
        `${access}.out`,
      ]);
      expect(out.exitCode).toBe(0);
      expect(md5(await readFile(join(dir, `${access}.out`)))).toBe(md5(data));
    }
    const missing = await cli(dir, ['copy', ':/no/such/file', 'x.out']);
    expect(missing.exitCode).toBe(255);
    expect(text(missing.stderr)).toMatch(/\[GUEST_FAILED\]/);
  }, 120_000);

  it('relays a console session until its input ends', async () => {
    // Piped keys: the session ends when they do and the console has gone quiet.
    const session = await cli(dir, ['console'], { input: 'echo console-$((6 * 7))\n' });
    expect(session.exitCode).toBe(0);
    expect(text(session.stdout)).toContain('console-42');
    // The shell the console left behind still serves exec.
    expect(text((await exec(dir, ['echo', 'after console'])).stdout)).toBe('after console\n');
  }, 60_000);

  it('shows the forwarded ports of the running vm', async () => {
    const show = await cli(dir, ['show']);
    expect(text(show.stdout)).toMatch(/vm1 \[qcow2vt\] \(running, pid \d+, ports 8080→\d+\)/);
  }, 30_000);

  it('reaches the guest again right after a vm state was loaded', async () => {
    await exec(dir, ['sh', '-c', 'echo before > /run/mark']);
    expect((await cli(dir, ['set', 'set_state_vms=saved'])).exitCode).toBe(0);
    await exec(dir, ['sh', '-c', 'echo after > /run/mark']);
    expect((await cli(dir, ['get', 'get_state_vms=saved'])).exitCode).toBe(0);
    expect(text((await exec(dir, ['cat', '/run/mark'])).stdout)).toBe('before\n');
  }, 120_000);
});

describeQemu('cartograph exec and boot: what goes wrong, said with a code', () => {
  const sandbox = useQemuSandbox();
  let base = '';
  beforeAll(async () => {
    base = await linuxGuestImage();
  }, BOOT_MS);

  describe('without booting', () => {
    it('a vm that is not running, and an unknown vm', async () => {
      const dir = await workspace(await sandbox.dir(), '', base);
      const off = await exec(dir, ['true']);
      expect(off.exitCode).toBe(255);
      expect(text(off.stderr)).toContain('[GUEST_NOT_RUNNING]');
      const unknown = await exec(dir, ['true'], { args: ['vms=vm9'] });
      expect(unknown.exitCode).toBe(255);
      expect(text(unknown.stderr)).toMatch(/vm9/);
      const noCommand = await exec(dir, []);
      expect(noCommand.exitCode).toBe(255);
    });
  });

  it(
    'a wrong password: GUEST_LOGIN, and the vm is stopped',
    async () => {
      const dir = await workspace(
        await sandbox.dir(),
        'guest_password = wrong\nguest_boot_timeout = 60',
        base,
      );
      const boot = await cli(dir, ['boot']);
      expect(boot.exitCode).toBe(1);
      expect(text(boot.stderr)).toContain('[GUEST_LOGIN]');
      expect(await qemuProcesses(dir)).toBe(0);
    },
    BOOT_MS,
  );

  it(
    'a guest that never boots: GUEST_UNREACHABLE with its console, and the vm is stopped',
    async () => {
      const dir = await workspace(await sandbox.dir(), 'guest_boot_timeout = 4');
      const boot = await cli(dir, ['boot']);
      expect(boot.exitCode).toBe(1);
      const err = text(boot.stderr);
      expect(err).toContain('[GUEST_UNREACHABLE]');
      expect(err).toContain('within 4 s (guest_boot_timeout)');
      // SeaBIOS finds nothing to boot on a blank disk; its console shows it (or stays silent).
      expect(err).toMatch(/console (ends with|printed nothing)/);
      expect(await qemuProcesses(dir)).toBe(0);
    },
    BOOT_MS,
  );
});
