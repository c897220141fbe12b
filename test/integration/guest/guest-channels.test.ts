/**
 * Both guest channels against the real Linux test guest (busybox, qemu-ga 7.2) under TCG: one
 * boot per test: the serial shell (login, exact output, stdin, timeout, files, reopening the
 * logged-in shell, also right after loadvm) and the guest agent (exec, timeout, files).
 */
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { GuestError } from '../../../src/errors.js';
import { GuestAgent, type GuestChannel, SerialShell } from '../../../src/guest/index.js';
import { createImage, QmpClient } from '../../../src/qemu/index.js';
import { LINUX_GUEST_LOGIN, linuxGuestImage } from '../../helpers/linux-guest.js';
import { describeQemu } from '../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../helpers/qemu-sandbox.js';

const BOOT_MS = 120_000;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GuestError) return error.code;
    throw error;
  }
  return 'no error';
}

describeQemu('guest channels on the real Linux test guest (TCG)', () => {
  const sandbox = useQemuSandbox();
  let qemu: ResultPromise | undefined;
  let serial = '';
  let agent = '';
  let qmp = '';

  let image = '';

  beforeAll(async () => {
    image = await linuxGuestImage();
  }, 15 * 60_000);

  /** Boots the guest; the sandbox kills it after the test. */
  async function boot(): Promise<void> {
    const dir = await sandbox.dir();
    const overlay = join(dir, 'disk.qcow2');
    await createImage(overlay, { backingFile: image, backingFormat: 'qcow2' });
    serial = join(dir, 'serial.sock');
    agent = join(dir, 'qga.sock');
    qmp = join(dir, 'qmp.sock');
    qemu = execa(
      'qemu-system-x86_64',
      [
        ...['-machine', 'pc,accel=tcg', '-m', '256', '-nodefaults', '-display', 'none'],
        ...['-drive', `file=${overlay},format=qcow2,if=virtio`],
        ...['-chardev', `socket,id=ser0,path=${serial},server=on,wait=off`],
        ...['-serial', 'chardev:ser0'],
        ...['-device', 'virtio-serial-pci'],
        ...['-chardev', `socket,id=qga0,path=${agent},server=on,wait=off`],
        ...['-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0'],
        ...['-qmp', `unix:${qmp},server=on,wait=off`],
        '-no-reboot',
      ],
      { reject: false, stdin: 'ignore', stdout: 'ignore' },
    );
    if (qemu.pid !== undefined) sandbox.trackPid(qemu.pid);
  }

  async function checkChannel(channel: GuestChannel): Promise<void> {
    const quoted = await channel.exec(['printf', '%s\\n', 'a b', '$HOME']);
    expect(quoted.stdout.toString()).toBe('a b\n$HOME\n');
    const mixed = await channel.exec(['sh', '-c', 'printf "o\\r\\n"; printf e >&2; exit 3']);
    expect([mixed.stdout.toString(), mixed.stderr.toString(), mixed.exitCode]).toEqual([
      'o\r\n',
      'e',
      3,
    ]);
    const input = randomBytes(40_000);
    expect((await channel.exec(['cat'], { stdin: input })).stdout.equals(input)).toBe(true);
    const big = await channel.exec(['head', '-c', '300000', '/dev/urandom']);
    expect(big.stdout.length).toBe(300_000);
    const again = await channel.readFile('/dev/null');
    expect(again.length).toBe(0);
    const data = randomBytes(60_000);
    await channel.writeFile('/tmp/cg-test.bin', data, { mode: 0o600 });
    expect((await channel.readFile('/tmp/cg-test.bin')).equals(data)).toBe(true);
    expect(await codeOf(channel.exec(['sleep', '29'], { timeoutMs: 500 }))).toBe('GUEST_TIMEOUT');
    const left = await channel.exec(['sh', '-c', 'ps | grep -c "[s]leep 29$" || true']);
    expect(left.stdout.toString().trim()).toBe('0');
    expect((await channel.exec(['echo', 'after'])).stdout.toString()).toBe('after\n');
    expect(await codeOf(channel.readFile('/no/such/file'))).toBe('GUEST_FAILED');
  }

  it('serial shell: logs in, runs commands exactly, and takes the logged-in shell again', async () => {
    await boot();
    const login = { username: LINUX_GUEST_LOGIN.username, password: LINUX_GUEST_LOGIN.password };
    const shell = await SerialShell.open(serial, { ...login, timeoutMs: BOOT_MS });
    try {
      await checkChannel(shell);
    } finally {
      await shell.close();
    }
    const again = await SerialShell.open(serial, { ...login, timeoutMs: 30_000 });
    try {
      expect((await again.exec(['id', '-u'])).stdout.toString()).toBe('0\n');
    } finally {
      await again.close();
    }
    // Right after a vm state was loaded, the shell sits at the prompt it had when saved.
    const monitor = await QmpClient.connect(qmp);
    try {
      await monitor.hmp('savevm ready');
      const before = await SerialShell.open(serial, { ...login, timeoutMs: 30_000 });
      await before.exec(['touch', '/tmp/after-save']);
      await before.close();
      await monitor.hmp('loadvm ready');
      const loaded = await SerialShell.open(serial, { ...login, timeoutMs: 30_000 });
      try {
        const probe = await loaded.exec(['sh', '-c', 'test -e /tmp/after-save; echo $?']);
        expect(probe.stdout.toString()).toBe('1\n');
      } finally {
        await loaded.close();
      }
    } finally {
      await monitor.close();
    }
  }, 240_000);

  it('guest agent: runs commands exactly and moves files', async () => {
    await boot();
    const channel = await GuestAgent.connect(agent, { timeoutMs: BOOT_MS });
    try {
      await channel.ping();
      await checkChannel(channel);
    } finally {
      await channel.close();
    }
  }, 240_000);
});
