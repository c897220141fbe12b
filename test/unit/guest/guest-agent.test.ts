import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GuestError } from '../../../src/errors.js';
import { GuestAgent, type GuestAgentOptions } from '../../../src/guest/index.js';
import { FakeGuestAgent, type FakeGuestAgentOptions } from '../../helpers/fake-guest-agent.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * The guest agent client end to end against a FAKE qemu-ga (test/helpers/fake-guest-agent.ts)
 * that runs commands on the host and leaves stale output before the sync.
 */
const fakes: FakeGuestAgent[] = [];
const agents: GuestAgent[] = [];

afterEach(async () => {
  await Promise.allSettled(agents.splice(0).map((agent) => agent.close()));
  await Promise.allSettled(fakes.splice(0).map((fake) => fake.stop()));
});

async function fakeAgent(options: Partial<FakeGuestAgentOptions> = {}): Promise<FakeGuestAgent> {
  const fake = await FakeGuestAgent.start({
    socketPath: join(tempDir('cg-agent-'), 'qga.sock'),
    ...options,
  });
  fakes.push(fake);
  return fake;
}

async function connect(fake: FakeGuestAgent, options: GuestAgentOptions = {}): Promise<GuestAgent> {
  const agent = await GuestAgent.connect(fake.socketPath, { timeoutMs: 5_000, ...options });
  agents.push(agent);
  return agent;
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

describe('GuestAgent against a fake qemu-ga', () => {
  it('synchronises past stale output and answers a ping', async () => {
    const fake = await fakeAgent();
    const agent = await connect(fake);
    await agent.ping();
    expect(fake.commands).toContain('guest-sync-delimited');
    expect(fake.commands.at(-1)).toBe('guest-ping');
  });

  it('returns stdout, stderr and the exit status exactly, argv unchanged', async () => {
    const agent = await connect(await fakeAgent());
    const result = await agent.exec([
      'sh',
      '-c',
      'printf "out\\r\\nno newline"; printf "err\\r\\n" >&2; exit 7',
    ]);
    expect(result.stdout.toString('latin1')).toBe('out\r\nno newline');
    expect(result.stderr.toString('latin1')).toBe('err\r\n');
    expect(result.exitCode).toBe(7);
    const quoted = await agent.exec(['printf', '%s\\n', 'a b', '$HOME']);
    expect(quoted.stdout.toString()).toBe('a b\n$HOME\n');
    const env = await agent.exec(['sh', '-c', 'printf %s "$CG_A"'], { env: { CG_A: 'x $y' } });
    expect(env.stdout.toString()).toBe('x $y');
  });

  it('brings back binary multi-MiB output and passes stdin', async () => {
    const agent = await connect(await fakeAgent());
    const dir = tempDir('cg-agent-data-');
    const data = randomBytes(3 * 1024 * 1024 + 5);
    writeFileSync(join(dir, 'big.bin'), data);
    const big = await agent.exec(['cat', join(dir, 'big.bin')]);
    expect(big.stdout.equals(data)).toBe(true);
    const input = randomBytes(200_000);
    const echoed = await agent.exec(['cat'], { stdin: input });
    expect(echoed.stdout.equals(input)).toBe(true);
  });

  it('reports a command killed by a signal', async () => {
    const agent = await connect(await fakeAgent());
    const result = await agent.exec(['sh', '-c', 'kill -TERM $$']);
    expect(result.exitCode).toBe(143);
    expect(result.signal).toBe('SIGTERM');
  });

  it('answers concurrent calls each with its own result', async () => {
    const agent = await connect(await fakeAgent());
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        agent.exec(['sh', '-c', `sleep 0.0${8 - i}; printf ${i}; exit ${i}`]),
      ),
    );
    expect(results.map((r) => [r.stdout.toString(), r.exitCode])).toEqual(
      Array.from({ length: 8 }, (_, i) => [String(i), i]),
    );
  });

  it('kills a command at its timeout (GUEST_TIMEOUT) and stays usable', async () => {
    const agent = await connect(await fakeAgent());
    const argv = ['sleep', '985'];
    expect(await codeOf(agent.exec(argv, { timeoutMs: 300 }))).toBe('GUEST_TIMEOUT');
    expect(processesRunning(argv)).toBe(0);
    expect((await agent.exec(['echo', 'next'])).stdout.toString()).toBe('next\n');
  });

  it('kills a command whose call is aborted (GUEST_ABORTED)', async () => {
    const agent = await connect(await fakeAgent());
    const argv = ['sleep', '984'];
    const result = codeOf(agent.exec(argv, { signal: AbortSignal.timeout(300) }));
    expect(await result).toBe('GUEST_ABORTED');
    expect(processesRunning(argv)).toBe(0);
  });

  it("fails with GUEST_PROTOCOL when output passed the agent's capture limit", async () => {
    const agent = await connect(await fakeAgent({ captureLimit: 1000 }));
    expect(await codeOf(agent.exec(['head', '-c', '5000', '/dev/zero']))).toBe('GUEST_PROTOCOL');
  });

  it('turns agent error replies into GUEST_FAILED', async () => {
    const agent = await connect(await fakeAgent());
    expect(await codeOf(agent.exec(['/no/such/program']))).toBe('GUEST_FAILED');
    expect(await codeOf(agent.readFile('/no/such/file'))).toBe('GUEST_FAILED');
  });

  it('writes and reads files byte for byte, over several chunks', async () => {
    const fake = await fakeAgent();
    const agent = await connect(fake, { fileChunkBytes: 64 * 1024 });
    const path = join(tempDir('cg-agent-files-'), 'data.bin');
    const data = randomBytes(300_000);
    await agent.writeFile(path, data, { mode: 0o640 });
    expect(readFileSync(path).equals(data)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect((await agent.readFile(path)).equals(data)).toBe(true);
    await agent.writeFile(path, new Uint8Array());
    expect((await agent.readFile(path)).length).toBe(0);
    expect(fake.openHandles).toBe(0);
  });

  it('closes the file handle when a read fails', async () => {
    const fake = await fakeAgent({ failReads: true });
    const agent = await connect(fake);
    const path = join(tempDir('cg-agent-files-'), 'data.bin');
    writeFileSync(path, 'x');
    expect(await codeOf(agent.readFile(path))).toBe('GUEST_FAILED');
    expect(fake.commands.at(-1)).toBe('guest-file-close');
    expect(fake.openHandles).toBe(0);
  });

  it('works with an agent whose replies carry no id', async () => {
    const agent = await connect(await fakeAgent({ echoIds: false }));
    const results = await Promise.all([agent.exec(['echo', 'a']), agent.exec(['echo', 'b'])]);
    expect(results.map((r) => r.stdout.toString())).toEqual(['a\n', 'b\n']);
  });

  it('gives up on an agent that never answers with GUEST_UNREACHABLE', async () => {
    const fake = await fakeAgent({ silent: true });
    expect(await codeOf(connect(fake, { timeoutMs: 500 }))).toBe('GUEST_UNREACHABLE');
  });

  it('says GUEST_NOT_RUNNING when there is no socket', async () => {
    const path = join(tempDir('cg-agent-'), 'none.sock');
    expect(await codeOf(GuestAgent.connect(path, { timeoutMs: 200 }))).toBe('GUEST_NOT_RUNNING');
  });

  it('rejects calls after close with GUEST_ABORTED', async () => {
    const agent = await connect(await fakeAgent());
    await agent.close();
    expect(await codeOf(agent.exec(['true']))).toBe('GUEST_ABORTED');
  });
});
