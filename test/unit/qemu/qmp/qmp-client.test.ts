import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isQemuError, QmpError } from '../../../../src/qemu/errors.js';
import { QmpClient, type QmpEvent } from '../../../../src/qemu/qmp/qmp-client.js';

/**
 * The QMP client's protocol handling against a scripted unix-socket peer: framing, FIFO
 * replies, events in between, timeouts with late replies, and a peer that goes away. The
 * real QEMU side is covered by test/integration/qemu.
 */
const GREETING = {
  QMP: {
    version: { qemu: { micro: 22, minor: 2, major: 7 }, package: 'test' },
    capabilities: ['oob'],
  },
};

type Handler = (
  command: { execute: string; arguments?: unknown; id?: unknown },
  peer: Socket,
) => void;

function send(peer: Socket, message: unknown): void {
  peer.write(`${JSON.stringify(message)}\r\n`);
}

let dir = '';
let socketPath = '';
let server: Server | undefined;
const clients: QmpClient[] = [];

async function serve(handler: Handler, greet = true): Promise<void> {
  server = createServer((peer) => {
    if (greet) send(peer, GREETING);
    let buffer = '';
    peer.setEncoding('utf8');
    peer.on('data', (chunk: string) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const command = JSON.parse(line) as { execute: string; id?: unknown };
        if (command.execute === 'qmp_capabilities') send(peer, { return: {}, id: command.id });
        else handler(command, peer);
      }
    });
    peer.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server?.listen(socketPath, resolve));
}

async function connect(timeoutMs = 2_000): Promise<QmpClient> {
  const client = await QmpClient.connect(socketPath, { timeoutMs, commandTimeoutMs: 2_000 });
  clients.push(client);
  return client;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isQemuError(error) ? error.code : String(error);
  }
  return undefined;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cg-qmp'));
  socketPath = join(dir, 'q.sock');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await new Promise((resolve) => {
    if (server === undefined) resolve(undefined);
    else server.close(resolve);
  });
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('QmpClient', () => {
  it('retries until the socket exists, then greets and negotiates', async () => {
    const pending = connect();
    await new Promise((r) => setTimeout(r, 50));
    await serve(() => undefined);
    const client = await pending;
    expect(client.greeting.version.qemu).toEqual({ major: 7, minor: 2, micro: 22 });
  });

  it('gives up with QEMU_TIMEOUT when nothing listens', async () => {
    expect(await codeOf(QmpClient.connect(socketPath, { timeoutMs: 50 }))).toBe('QEMU_TIMEOUT');
  });

  it('gives up with QEMU_TIMEOUT when the socket accepts but never greets', async () => {
    await serve(() => undefined, false);
    expect(await codeOf(connect(100))).toBe('QEMU_TIMEOUT');
  });

  it('keeps events apart from replies and matches replies in order, across split chunks', async () => {
    await serve((command, peer) => {
      if (command.execute === 'first') {
        // An event before the reply, and the reply split in the middle of a line.
        send(peer, { event: 'STOP', timestamp: { seconds: 1, microseconds: 2 } });
        const text = `${JSON.stringify({ return: { n: 1 }, id: command.id })}\r\n`;
        peer.write(text.slice(0, 5));
        setTimeout(() => peer.write(text.slice(5)), 10);
      } else {
        // QEMU answers in order: only after the first reply is complete.
        setTimeout(() => {
          send(peer, { return: { n: 2 }, id: command.id });
          send(peer, { event: 'RESUME', data: { x: 1 } });
        }, 30);
      }
    });
    const client = await connect();
    const events: QmpEvent[] = [];
    client.onEvent((event) => events.push(event));
    const resume = client.waitForEvent('RESUME');
    const [a, b] = await Promise.all([client.execute('first'), client.execute('second')]);
    expect(a).toEqual({ n: 1 });
    expect(b).toEqual({ n: 2 });
    expect((await resume).data).toEqual({ x: 1 });
    expect(events.map((e) => e.event)).toEqual(['STOP', 'RESUME']);
  });

  it('rejects a QMP error with class and description', async () => {
    await serve((command, peer) => {
      send(peer, {
        error: {
          class: 'CommandNotFound',
          desc: `The command ${command.execute} has not been found`,
        },
        id: command.id,
      });
    });
    const client = await connect();
    const error = await client.execute('no-such-command').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpError);
    expect(error).toMatchObject({
      code: 'QEMU_QMP',
      command: 'no-such-command',
      errorClass: 'CommandNotFound',
      desc: 'The command no-such-command has not been found',
    });
  });

  it('times out a command, then still pairs the late reply with it, not with the next one', async () => {
    let slow: { id?: unknown } | undefined;
    await serve((command, peer) => {
      if (command.execute === 'slow') {
        slow = command;
        return;
      }
      // Answer the slow one late, then this one.
      send(peer, { return: 'slow', id: slow?.id });
      send(peer, { return: 'fast', id: command.id });
    });
    const client = await connect();
    expect(await codeOf(client.execute('slow', undefined, { timeoutMs: 30 }))).toBe('QEMU_TIMEOUT');
    expect(await client.execute('fast')).toBe('fast');
  });

  it('aborts waiting through a signal', async () => {
    await serve(() => undefined);
    const client = await connect();
    const controller = new AbortController();
    const waiting = client.execute('never', undefined, { signal: controller.signal });
    controller.abort();
    expect(await codeOf(waiting)).toBe('QEMU_ABORTED');
  });

  it('fails waiting commands and event waits with QEMU_VM when the peer goes away', async () => {
    await serve((_command, peer) => {
      setTimeout(() => peer.destroy(), 20);
    });
    const client = await connect();
    const closed = new Promise((resolve) => client.onClose(resolve));
    const event = client.waitForEvent('NEVER');
    expect(await codeOf(client.execute('dies'))).toBe('QEMU_VM');
    expect(await codeOf(event)).toBe('QEMU_VM');
    expect(isQemuError(await closed, 'QEMU_VM')).toBe(true);
    expect(client.isClosed).toBe(true);
    expect(await codeOf(client.execute('after'))).toBe('QEMU_VM');
  });

  it('skips replies meant for an earlier client (another id prefix)', async () => {
    await serve((command, peer) => {
      // What QEMU does after a client died with a command in flight: its reply goes to us.
      send(peer, { return: { stray: true }, id: 1 });
      send(peer, { return: { stray: true }, id: 'cartograph-00000000-1' });
      send(peer, { return: { mine: true }, id: command.id });
    });
    const client = await connect();
    expect(await client.execute('x')).toEqual({ mine: true });
    expect(client.isClosed).toBe(false);
  });

  it('closes on a reply with its own prefix but out of turn (protocol error)', async () => {
    await serve((command, peer) => {
      const id = String(command.id);
      send(peer, { return: {}, id: `${id.slice(0, id.lastIndexOf('-'))}-999` });
    });
    const client = await connect();
    expect(await codeOf(client.execute('x'))).toBe('QEMU_QMP');
    expect(client.isClosed).toBe(true);
  });

  it('reports HMP errors hidden in a successful return', async () => {
    await serve((command, peer) => {
      const line = (command.arguments as { 'command-line': string })['command-line'];
      const output = line.startsWith('loadvm')
        ? "Error: Snapshot 'nosuch' does not exist in one or more devices\r\n"
        : '0000000000000500: 0x00000010\r\n';
      send(peer, { return: output, id: command.id });
    });
    const client = await connect();
    expect(await client.hmp('xp /1wx 0x500')).toBe('0000000000000500: 0x00000010\r\n');
    const error = await client.hmp('loadvm nosuch').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpError);
    expect(error).toMatchObject({
      code: 'QEMU_SNAPSHOT_MISSING',
      command: 'human-monitor-command: loadvm nosuch',
    });
  });

  it('refuses a socket path over the unix limit', async () => {
    expect(await codeOf(QmpClient.connect(`/tmp/${'x'.repeat(110)}`))).toBe('QEMU_BAD_ARGUMENT');
  });
});
