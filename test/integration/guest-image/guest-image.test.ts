/**
 * The Linux guest built from Debian packages, booted for real under TCG: serial login, the
 * kernel of the kit, the hostname, qemu-ga answering on its virtio-serial port (sync, ping,
 * exec), and a power-off (from the shell, or by the agent's guest-shutdown) after which qemu
 * exits by itself and the root ext4 is clean. The console and agent clients here are minimal
 * (plain node:net) on purpose: they test the guest, not cartograph's drivers.
 */
import { execa, type ResultPromise } from 'execa';
import { randomInt } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { GUEST_DISK_LAYOUT } from '../../../src/guest-image/index.js';
import { convertImage, createImage } from '../../../src/qemu/index.js';
import {
  LINUX_GUEST_CONSOLE,
  LINUX_GUEST_LOGIN,
  type LinuxGuest,
  linuxGuest,
  stripTerminalEscapes,
} from '../../helpers/linux-guest.js';
import { describeQemu } from '../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../helpers/qemu-sandbox.js';

const BOOT_MS = 120_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SBIN_PATH = { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` };

/** Connects to a unix socket QEMU serves, retrying until it listens (it starts with qemu). */
async function connect(path: string, deadline: number): Promise<Socket> {
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = createConnection(path);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

/** The guest's serial console: what it printed since the last match, and lines to type. */
class SerialConsole {
  private text = '';
  constructor(private readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.text += data.toString('latin1');
    });
  }

  /** Waits until the output (escapes removed) matches `pattern`; consumes and returns it. */
  async expect(pattern: RegExp, timeoutMs = BOOT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const clean = stripTerminalEscapes(this.text);
      const match = pattern.exec(clean);
      if (match !== null) {
        this.text = '';
        return clean.slice(0, match.index + match[0].length);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `console: no ${String(pattern)} within ${timeoutMs} ms; got ${JSON.stringify(clean.slice(-500))}`,
        );
      }
      await sleep(20);
    }
  }

  send(line: string): void {
    this.socket.write(`${line}\n`);
  }

  /** Runs a shell command and returns its output (without the echoed command and prompt). */
  async run(command: string): Promise<string> {
    this.send(command);
    const text = await this.expect(LINUX_GUEST_CONSOLE.prompt, 30_000);
    const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
    return lines.slice(1, -1).join('\n');
  }
}

/** qemu-ga over its virtio-serial channel: delimited sync, then one JSON line per answer. */
class AgentClient {
  private data = Buffer.alloc(0);
  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
    });
  }

  /**
   * `guest-sync-delimited` with a random id until the agent answers it: the 0xFF byte sent first
   * resets the agent's parser, the answer comes after a 0xFF of its own. Until qemu-ga runs,
   * nothing answers, so each try waits a second and the next one sends a new id.
   */
  async sync(deadline: number): Promise<void> {
    for (;;) {
      const id = randomInt(1, 2 ** 31);
      this.socket.write(
        Buffer.concat([
          Buffer.from([0xff]),
          Buffer.from(
            `${JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id } })}\n`,
          ),
        ]),
      );
      const tryUntil = Date.now() + 1_000;
      while (Date.now() < tryUntil) {
        // Answers to earlier tries may arrive first: skip every delimited answer but ours.
        for (let ff = this.data.indexOf(0xff); ff !== -1; ff = this.data.indexOf(0xff)) {
          const end = this.data.indexOf(0x0a, ff);
          if (end === -1) break;
          const answer = JSON.parse(this.data.subarray(ff + 1, end).toString('utf8')) as {
            return?: unknown;
          };
          this.data = this.data.subarray(end + 1);
          if (answer.return === id) return;
        }
        await sleep(20);
      }
      if (Date.now() > deadline) throw new Error('qemu-ga did not answer guest-sync-delimited');
    }
  }

  /** One command and its answer; an `error` answer throws. */
  async command(
    execute: string,
    args?: Record<string, unknown>,
    timeoutMs = 30_000,
  ): Promise<unknown> {
    this.socket.write(
      `${JSON.stringify(args === undefined ? { execute } : { execute, arguments: args })}\n`,
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.data.indexOf(0x0a);
      if (end !== -1) {
        const answer = JSON.parse(this.data.subarray(0, end).toString('utf8')) as {
          return?: unknown;
          error?: unknown;
        };
        this.data = this.data.subarray(end + 1);
        if (answer.error !== undefined)
          throw new Error(`${execute}: ${JSON.stringify(answer.error)}`);
        return answer.return;
      }
      if (Date.now() > deadline) throw new Error(`qemu-ga did not answer ${execute}`);
      await sleep(20);
    }
  }

  /** A command the agent does not answer when it succeeds (guest-shutdown). */
  send(execute: string, args?: Record<string, unknown>): void {
    this.socket.write(
      `${JSON.stringify(args === undefined ? { execute } : { execute, arguments: args })}\n`,
    );
  }
}

/** A booted guest: its qemu process and both channels. */
interface BootedGuest {
  qemu: ResultPromise<{ reject: false; stdin: 'ignore'; stdout: 'ignore' }>;
  console: SerialConsole;
  agent: AgentClient;
  overlay: string;
  startedAt: number;
  close(): void;
}

describeQemu('guest image: a real Linux guest from Debian packages (TCG)', () => {
  const sandbox = useQemuSandbox();
  let guest: LinuxGuest;

  beforeAll(async () => {
    guest = await linuxGuest();
  }, 15 * 60_000);

  async function boot(): Promise<BootedGuest> {
    const dir = await sandbox.dir();
    const overlay = join(dir, 'disk.qcow2');
    await createImage(overlay, { backingFile: guest.image, backingFormat: 'qcow2' });
    const serial = join(dir, 'serial.sock');
    const qga = join(dir, 'qga.sock');
    const startedAt = Date.now();
    const qemu = execa(
      'qemu-system-x86_64',
      [
        ...['-machine', 'pc,accel=tcg', '-m', '256', '-nodefaults', '-display', 'none'],
        ...['-drive', `file=${overlay},format=qcow2,if=virtio`],
        ...[
          '-chardev',
          `socket,id=ser0,path=${serial},server=on,wait=off`,
          '-serial',
          'chardev:ser0',
        ],
        ...['-device', 'virtio-serial-pci'],
        ...['-chardev', `socket,id=qga0,path=${qga},server=on,wait=off`],
        ...['-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0'],
        ...['-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0'],
        '-no-reboot',
      ],
      { reject: false, stdin: 'ignore', stdout: 'ignore' },
    );
    if (qemu.pid !== undefined) sandbox.trackPid(qemu.pid);
    const deadline = Date.now() + 10_000;
    const serialSocket = await connect(serial, deadline);
    const agentSocket = await connect(qga, deadline);
    return {
      qemu,
      console: new SerialConsole(serialSocket),
      agent: new AgentClient(agentSocket),
      overlay,
      startedAt,
      close() {
        serialSocket.destroy();
        agentSocket.destroy();
        qemu.kill('SIGKILL');
      },
    };
  }

  /** Waits for qemu to exit by itself (the guest powered off) and checks the root ext4. */
  async function expectCleanPowerOff(vm: BootedGuest): Promise<void> {
    const result = await Promise.race([
      vm.qemu,
      sleep(60_000).then(() => {
        throw new Error('qemu did not exit within 60 s of the power-off');
      }),
    ]);
    expect(result.exitCode, result.stderr).toBe(0);

    const raw = `${vm.overlay}.raw`;
    await convertImage(vm.overlay, raw, { sourceFormat: 'qcow2', targetFormat: 'raw' });
    const root = `${raw}?offset=${GUEST_DISK_LAYOUT.rootOffset}`;
    const fsck = await execa('e2fsck', ['-fn', root], { reject: false, env: SBIN_PATH });
    expect(fsck.exitCode, `${fsck.stdout}\n${fsck.stderr}`).toBe(0);
    const header = await execa('dumpe2fs', ['-h', root], { env: SBIN_PATH });
    expect(header.stdout).toMatch(/^Filesystem state:\s+clean$/m);
    expect(header.stdout).not.toMatch(/needs_recovery/);
    expect(header.stdout).toMatch(/^Filesystem volume name:\s+cartograph-root$/m);
  }

  it('logs in on the serial console, answers the agent and powers off cleanly', async () => {
    const vm = await boot();
    try {
      const c = vm.console;
      const start = await c.expect(LINUX_GUEST_CONSOLE.login);
      expect(start).toContain(LINUX_GUEST_CONSOLE.ready);
      expect(start).toMatch(new RegExp(`${LINUX_GUEST_LOGIN.hostname} login: $`));
      c.send(LINUX_GUEST_LOGIN.username);
      await c.expect(LINUX_GUEST_CONSOLE.password, 30_000);
      c.send(LINUX_GUEST_LOGIN.password);
      const prompt = await c.expect(LINUX_GUEST_CONSOLE.prompt, 30_000);
      expect(prompt.endsWith(LINUX_GUEST_CONSOLE.rootPrompt)).toBe(true);

      expect(await c.run('uname -r')).toBe(guest.kit.kernelVersion);
      expect(await c.run('cat /etc/hostname')).toBe(LINUX_GUEST_LOGIN.hostname);
      expect(await c.run('echo "$PATH"')).toBe('/usr/sbin:/usr/bin:/sbin:/bin');
      expect(await c.run('ip -4 addr show eth0')).toContain('inet 10.0.2.15/24');

      await vm.agent.sync(Date.now() + BOOT_MS);
      expect(await vm.agent.command('guest-ping')).toEqual({});
      const started = (await vm.agent.command('guest-exec', {
        path: '/bin/sh',
        arg: ['-c', 'echo hi'],
        'capture-output': true,
      })) as { pid: number };
      expect(started.pid).toBeGreaterThan(0);
      let status: { exited: boolean; exitcode?: number; 'out-data'?: string };
      do {
        await sleep(50);
        status = (await vm.agent.command('guest-exec-status', {
          pid: started.pid,
        })) as typeof status;
      } while (!status.exited);
      expect(status.exitcode).toBe(0);
      expect(Buffer.from(status['out-data'] ?? '', 'base64').toString()).toBe('hi\n');

      c.send('poweroff');
      await expectCleanPowerOff(vm);
    } finally {
      vm.close();
    }
  }, 240_000);

  it("powers off cleanly through the agent's guest-shutdown", async () => {
    const vm = await boot();
    try {
      await vm.agent.sync(Date.now() + BOOT_MS);
      vm.agent.send('guest-shutdown', { mode: 'powerdown' });
      await expectCleanPowerOff(vm);
    } finally {
      vm.close();
    }
  }, 240_000);
});
