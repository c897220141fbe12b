import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { GuestError } from '../../../src/errors.js';
import { SerialShell, type SerialShellOptions } from '../../../src/guest/index.js';
import {
  FakeGuestConsole,
  type FakeGuestConsoleOptions,
} from '../../helpers/fake-guest-console.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * The serial shell end to end against a FAKE guest console (test/helpers/fake-guest-console.ts):
 * a real host /bin/sh behind a socket that echoes, uses CRLF, writes ESC[6n before prompts and
 * injects kernel messages into the output, also in the middle of payload lines.
 */
const PASSWORD = 'fake-password';
const NOISE = { seed: 7, perChunk: 0.3, everyMs: 100 };

const fakes: FakeGuestConsole[] = [];
const shells: SerialShell[] = [];

afterEach(async () => {
  await Promise.allSettled(shells.splice(0).map((shell) => shell.close()));
  await Promise.allSettled(fakes.splice(0).map((fake) => fake.stop()));
});

async function fakeConsole(
  options: Partial<FakeGuestConsoleOptions> = {},
): Promise<FakeGuestConsole> {
  const fake = await FakeGuestConsole.start({
    socketPath: join(tempDir('cg-serial-'), 'serial.sock'),
    password: PASSWORD,
    noise: NOISE,
    ...options,
  });
  fakes.push(fake);
  return fake;
}

async function open(
  fake: FakeGuestConsole,
  options: SerialShellOptions = {},
): Promise<SerialShell> {
  try {
    const shell = await SerialShell.open(fake.socketPath, {
      username: 'root',
      password: PASSWORD,
      timeoutMs: 10_000,
      ...options,
    });
    shells.push(shell);
    return shell;
  } catch (error) {
    // What the fake console showed, for a failing test's report.
    if (error instanceof Error)
      error.message += `\n--- fake console ---\n${fake.transcript.slice(-3000)}`;
    throw error;
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GuestError) return error.code;
    throw error;
  }
  return 'no error';
}

/** Host processes whose command line is exactly `argv` (the fake's guest is the host). */
function processesRunning(argv: readonly string[]): number {
  const wanted = `${argv.join('\0')}\0`;
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1') === wanted) count++;
    } catch {
      // gone meanwhile
    }
  }
  return count;
}

describe('SerialShell against a fake guest console', () => {
  it('logs in and returns stdout, stderr and the exit status exactly', async () => {
    const fake = await fakeConsole();
    const shell = await open(fake);
    expect(fake.loggedIn).toBe(true);
    const result = await shell.exec([
      'sh',
      '-c',
      'printf "out\\r\\nno newline"; printf "err\\r\\n" >&2; exit 7',
    ]);
    expect(result.stdout.toString('latin1')).toBe('out\r\nno newline');
    expect(result.stderr.toString('latin1')).toBe('err\r\n');
    expect(result.exitCode).toBe(7);
    expect(result.signal).toBeUndefined();
  });

  it('passes arguments unchanged: no expansion, no re-splitting', async () => {
    const shell = await open(await fakeConsole());
    const quoted = await shell.exec(['printf', '%s\\n', 'a b', '$HOME']);
    expect(quoted.stdout.toString()).toBe('a b\n$HOME\n');
    const weird = ["it's", '"q"', 'tab\there', 'new\nline', '*', '$(id)', '`id`', '\\', 'ünï', ''];
    const result = await shell.exec(['printf', '%s|', ...weird]);
    expect(result.stdout.toString('utf8')).toBe(`${weird.join('|')}|`);
    const env = await shell.exec(['sh', '-c', 'printf %s "$CG_A"'], {
      env: { CG_A: "x 'y' $z" },
    });
    expect(env.stdout.toString()).toBe("x 'y' $z");
  });

  it('brings back binary and multi-MiB output intact', async () => {
    const fake = await fakeConsole();
    const shell = await open(fake);
    const dir = tempDir('cg-serial-data-');
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(dir, 'big.bin'), data);
    const result = await shell.exec(['cat', join(dir, 'big.bin')]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBe(data.length);
    expect(result.stdout.equals(data)).toBe(true);
    expect(fake.injected).toBeGreaterThan(0);
    const crs = await shell.exec(['printf', '\\r\\r\\n\\000\\377']);
    expect([...crs.stdout]).toEqual([13, 13, 10, 0, 255]);
  });

  it('gives the command its stdin, small and large', async () => {
    const shell = await open(await fakeConsole());
    const small = await shell.exec(['cat'], { stdin: Buffer.from('no newline at the end') });
    expect(small.stdout.toString()).toBe('no newline at the end');
    const large = randomBytes(300_000);
    const echoed = await shell.exec(['cat'], { stdin: large });
    expect(echoed.stdout.equals(large)).toBe(true);
    const none = await shell.exec(['wc', '-c']);
    expect(none.stdout.toString().trim()).toBe('0');
  });

  it('answers concurrent calls each with its own result', async () => {
    const shell = await open(await fakeConsole());
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => shell.exec(['sh', '-c', `printf ${i}; exit ${i}`])),
    );
    expect(results.map((r) => [r.stdout.toString(), r.exitCode])).toEqual(
      Array.from({ length: 8 }, (_, i) => [String(i), i]),
    );
  });

  it('reports a command killed by a signal', async () => {
    const shell = await open(await fakeConsole());
    const result = await shell.exec(['sh', '-c', 'kill -TERM $$']);
    expect(result.exitCode).toBe(143);
    expect(result.signal).toBe('SIGTERM');
  });

  it('ends a command at its timeout (GUEST_TIMEOUT) and stays usable', async () => {
    const shell = await open(await fakeConsole());
    const argv = ['sleep', '987'];
    expect(await codeOf(shell.exec(argv, { timeoutMs: 300 }))).toBe('GUEST_TIMEOUT');
    expect(processesRunning(argv)).toBe(0);
    const next = await shell.exec(['echo', 'still here']);
    expect(next.stdout.toString()).toBe('still here\n');
  });

  it('ends a command whose call is aborted (GUEST_ABORTED) and stays usable', async () => {
    const shell = await open(await fakeConsole());
    const argv = ['sleep', '986'];
    const controller = new AbortController();
    const running = codeOf(shell.exec(argv, { signal: controller.signal }));
    const queued = codeOf(shell.exec(['true'], { signal: controller.signal }));
    // Aborted once the command runs (a busy machine may take a while to start it).
    for (let i = 0; i < 200 && processesRunning(argv) === 0; i++) await sleep(25);
    expect(processesRunning(argv)).toBe(1);
    controller.abort();
    expect(await running).toBe('GUEST_ABORTED');
    expect(await queued).toBe('GUEST_ABORTED');
    expect(processesRunning(argv)).toBe(0);
    expect((await shell.exec(['echo', 'ok'])).stdout.toString()).toBe('ok\n');
  });

  it('writes and reads files byte for byte', async () => {
    const shell = await open(await fakeConsole());
    const dir = tempDir('cg-serial-files-');
    const path = join(dir, 'data.bin');
    const data = randomBytes(100_000);
    await shell.writeFile(path, data, { mode: 0o640 });
    expect(readFileSync(path).equals(data)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect((await shell.readFile(path)).equals(data)).toBe(true);
    await shell.writeFile(path, new Uint8Array());
    expect((await shell.readFile(path)).length).toBe(0);
    expect(await codeOf(shell.readFile(join(dir, 'missing')))).toBe('GUEST_FAILED');
    expect(await codeOf(shell.writeFile(join(dir, 'no', 'such', 'dir'), data))).toBe(
      'GUEST_FAILED',
    );
  });

  it('refuses a wrong password with GUEST_LOGIN', async () => {
    const fake = await fakeConsole();
    expect(await codeOf(open(fake, { password: 'wrong' }))).toBe('GUEST_LOGIN');
    expect(fake.loggedIn).toBe(false);
  });

  it('gives up on a console that never answers with GUEST_UNREACHABLE', async () => {
    const fake = await fakeConsole({ silent: true });
    expect(await codeOf(open(fake, { timeoutMs: 500 }))).toBe('GUEST_UNREACHABLE');
  });

  it('says GUEST_NOT_RUNNING when there is no socket', async () => {
    const path = join(tempDir('cg-serial-'), 'none.sock');
    expect(await codeOf(SerialShell.open(path, { timeoutMs: 200 }))).toBe('GUEST_NOT_RUNNING');
  });

  it('takes a shell that is already logged in, also in the middle of a command', async () => {
    const fake = await fakeConsole();
    const first = await open(fake);
    expect((await first.exec(['echo', 'one'])).stdout.toString()).toBe('one\n');
    await first.close();
    const second = await open(fake, { username: undefined, password: undefined });
    expect((await second.exec(['echo', 'two'])).stdout.toString()).toBe('two\n');
    // A client that dies while its command runs leaves the shell busy.
    const dying = second.exec(['sleep', '3']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    fake.dropClient();
    expect(await codeOf(dying)).toBe('GUEST_NOT_RUNNING');
    const third = await open(fake);
    expect((await third.exec(['echo', 'three'])).stdout.toString()).toBe('three\n');
  });

  it('takes over a login that an earlier client left at the password prompt', async () => {
    const fake = await fakeConsole();
    const earlier = createConnection(fake.socketPath);
    let seen = '';
    earlier.on('data', (chunk: Buffer) => (seen += chunk.toString('latin1')));
    earlier.write('\nroot\n');
    while (!seen.includes('Password:')) await new Promise((resolve) => setTimeout(resolve, 10));
    earlier.destroy();
    const shell = await open(fake);
    expect((await shell.exec(['echo', 'in'])).stdout.toString()).toBe('in\n');
  });

  it('stays exact on a console whose echo cannot be turned off', async () => {
    const shell = await open(await fakeConsole({ echo: 'always' }));
    const data = randomBytes(50_000);
    const result = await shell.exec(['cat'], { stdin: data });
    expect(result.stdout.equals(data)).toBe(true);
  });

  it('rejects calls after close with GUEST_ABORTED', async () => {
    const shell = await open(await fakeConsole());
    await shell.close();
    expect(await codeOf(shell.exec(['true']))).toBe('GUEST_ABORTED');
  });
});
