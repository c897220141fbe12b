/**
 * A FAKE of the QEMU guest agent (qemu-ga 7.2), for tests of the agent client without a vm: a
 * unix socket server speaking its protocol (newline-delimited JSON, a 0xFF byte resets its
 * parser, `guest-sync-delimited` answers after a 0xFF) that runs `guest-exec` commands on the
 * host with child_process and serves `guest-file-*` from the host's files. Each connection
 * first gets stale output, as a client finds what an earlier one left.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { constants } from 'node:os';

/** Options of {@link FakeGuestAgent.start}. */
export interface FakeGuestAgentOptions {
  socketPath: string;
  /** Bytes captured per stream before `out-truncated`. @default 16 MiB, as qemu-ga */
  captureLimit?: number;
  /** Accepts connections and never answers (no agent in the guest). */
  silent?: boolean;
  /** Whether replies carry the request's `id`. @default true */
  echoIds?: boolean;
  /** Make every `guest-file-read` fail (to check that the handle is still closed). */
  failReads?: boolean;
}

interface Process {
  child: ChildProcess;
  out: Buffer[];
  err: Buffer[];
  outBytes: number;
  errBytes: number;
  outTruncated: boolean;
  errTruncated: boolean;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  closed: boolean;
}

type Request = { execute?: string; arguments?: Record<string, unknown>; id?: unknown };

const STALE = Buffer.concat([
  Buffer.from('{"return": {"pid": 4242}}\n{"return": 17}\n'),
  Buffer.from([0xff]),
  Buffer.from('{"return": {"exited": tr'),
]);

export class FakeGuestAgent {
  readonly socketPath: string;
  readonly #options: FakeGuestAgentOptions;
  readonly #server: Server;
  readonly #processes = new Map<number, Process>();
  readonly #files = new Map<number, number>();
  #nextHandle = 1000;
  /** The commands received, in order. */
  readonly commands: string[] = [];

  private constructor(options: FakeGuestAgentOptions, server: Server) {
    this.socketPath = options.socketPath;
    this.#options = options;
    this.#server = server;
  }

  static async start(options: FakeGuestAgentOptions): Promise<FakeGuestAgent> {
    const accept: { to?: (socket: Socket) => void } = {};
    const server = createServer((socket) => accept.to?.(socket));
    const fake = new FakeGuestAgent(options, server);
    accept.to = (socket) => {
      fake.#accept(socket);
    };
    await new Promise<void>((resolve) => server.listen(options.socketPath, resolve));
    return fake;
  }

  /** File handles open now. */
  get openHandles(): number {
    return this.#files.size;
  }

  async stop(): Promise<void> {
    for (const process of this.#processes.values()) process.child.kill('SIGKILL');
    for (const fd of this.#files.values()) closeSync(fd);
    this.#files.clear();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #accept(socket: Socket): void {
    socket.on('error', () => undefined);
    if (this.#options.silent === true) {
      socket.resume();
      return;
    }
    socket.write(STALE);
    let pending = Buffer.alloc(0);
    // qemu-ga answers a 0xFF with a parse error (no id); sent here in one write with the reply
    // that follows, the way a busy guest's output reaches the client in one chunk.
    let parseError = '';
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // A 0xFF resets the parser: what came before it is dropped.
      const reset = pending.lastIndexOf(0xff);
      if (reset >= 0) {
        pending = pending.subarray(reset + 1);
        parseError =
          '{"error": {"class": "GenericError", "desc": "JSON parse error, invalid keyword \'\\377\'"}}\n';
      }
      let newline: number;
      while ((newline = pending.indexOf(0x0a)) >= 0) {
        const line = pending.subarray(0, newline).toString('utf8').trim();
        pending = pending.subarray(newline + 1);
        if (line === '') continue;
        void this.#handle(JSON.parse(line) as Request).then((reply) => {
          const { delimited, ...message } = reply;
          const body = { ...message };
          const request = JSON.parse(line) as Request;
          if (request.id !== undefined && this.#options.echoIds !== false) body.id = request.id;
          const text = Buffer.from(`${JSON.stringify(body)}\n`);
          const out = delimited === true ? Buffer.concat([Buffer.from([0xff]), text]) : text;
          socket.write(Buffer.concat([Buffer.from(parseError), out]));
          parseError = '';
        });
      }
    });
  }

  async #handle(
    request: Request,
  ): Promise<{ return?: unknown; error?: unknown; id?: unknown; delimited?: boolean }> {
    const command = request.execute ?? '';
    const args = request.arguments ?? {};
    this.commands.push(command);
    try {
      switch (command) {
        case 'guest-sync-delimited':
          return { return: args.id, delimited: true };
        case 'guest-ping':
          return { return: {} };
        case 'guest-exec':
          return { return: { pid: await this.#exec(args) } };
        case 'guest-exec-status':
          return { return: this.#status(Number(args.pid)) };
        case 'guest-file-open': {
          const path = String(args.path);
          const mode = typeof args.mode === 'string' ? args.mode : 'r';
          let fd: number;
          try {
            fd = openSync(path, mode === 'w' ? 'w' : 'r', 0o600);
          } catch (error) {
            throw new Error(
              `failed to open file '${path}' (mode: '${mode}'): ${(error as Error).message}`,
            );
          }
          const handle = this.#nextHandle++;
          this.#files.set(handle, fd);
          return { return: handle };
        }
        case 'guest-file-read': {
          if (this.#options.failReads === true) throw new Error('failed to read file: EIO');
          const fd = this.#fd(args.handle);
          const count = Number(args.count ?? 4096);
          const buffer = Buffer.alloc(count);
          const read = readSync(fd, buffer, 0, count, null);
          return {
            return: {
              count: read,
              'buf-b64': buffer.subarray(0, read).toString('base64'),
              eof: read < count,
            },
          };
        }
        case 'guest-file-write': {
          const data = Buffer.from(String(args['buf-b64']), 'base64');
          const written = writeSync(this.#fd(args.handle), data);
          return { return: { count: written, eof: false } };
        }
        case 'guest-file-close': {
          closeSync(this.#fd(args.handle));
          this.#files.delete(Number(args.handle));
          return { return: {} };
        }
        default:
          return {
            error: { class: 'CommandNotFound', desc: `The command ${command} has not been found` },
          };
      }
    } catch (error) {
      return { error: { class: 'GenericError', desc: (error as Error).message } };
    }
  }

  #fd(handle: unknown): number {
    const fd = this.#files.get(Number(handle));
    if (fd === undefined) throw new Error(`handle '${String(handle)}' has not been found`);
    return fd;
  }

  async #exec(args: Record<string, unknown>): Promise<number> {
    const path = String(args.path);
    const argv = Array.isArray(args.arg) ? args.arg.map(String) : [];
    // qemu-ga gives the command only the environment it is given.
    const env = Array.isArray(args.env)
      ? Object.fromEntries(
          args.env.map((entry) => {
            const text = String(entry);
            return [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)];
          }),
        )
      : process.env;
    const child = spawn(path, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => {
        reject(new Error(`Failed to execute child process “${path}” (${error.message})`));
      });
    });
    const pid = child.pid ?? 0;
    const limit = this.#options.captureLimit ?? 16 * 1024 * 1024;
    const entry: Process = {
      child,
      out: [],
      err: [],
      outBytes: 0,
      errBytes: 0,
      outTruncated: false,
      errTruncated: false,
      closed: false,
    };
    child.stdout.on('data', (chunk: Buffer) => {
      const room = limit - entry.outBytes;
      if (chunk.length > room) entry.outTruncated = true;
      const kept = chunk.subarray(0, Math.max(room, 0));
      entry.out.push(kept);
      entry.outBytes += kept.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const room = limit - entry.errBytes;
      if (chunk.length > room) entry.errTruncated = true;
      const kept = chunk.subarray(0, Math.max(room, 0));
      entry.err.push(kept);
      entry.errBytes += kept.length;
    });
    child.on('exit', (code, signal) => {
      entry.exit = { code, signal };
    });
    child.on('close', () => {
      entry.closed = true;
    });
    child.stdin.on('error', () => undefined);
    const input = args['input-data'];
    child.stdin.end(typeof input === 'string' ? Buffer.from(input, 'base64') : undefined);
    this.#processes.set(pid, entry);
    return pid;
  }

  #status(pid: number): Record<string, unknown> {
    const entry = this.#processes.get(pid);
    if (entry === undefined) throw new Error("Invalid parameter 'pid'");
    if (entry.exit === undefined || !entry.closed) return { exited: false };
    this.#processes.delete(pid);
    const status: Record<string, unknown> = { exited: true };
    if (entry.exit.signal !== null) status.signal = constants.signals[entry.exit.signal];
    else status.exitcode = entry.exit.code;
    status['out-data'] = Buffer.concat(entry.out).toString('base64');
    status['err-data'] = Buffer.concat(entry.err).toString('base64');
    if (entry.outTruncated) status['out-truncated'] = true;
    if (entry.errTruncated) status['err-truncated'] = true;
    return status;
  }
}
