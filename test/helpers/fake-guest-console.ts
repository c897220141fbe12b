/**
 * A FAKE of a guest's serial console, for tests of the serial shell without a vm: a unix
 * socket server (like QEMU's `-chardev socket,server=on`) that plays the tty in front of a real
 * host `/bin/sh -i` spawned without a tty. It does what the guest's tty and console would do:
 * a `login:`/`Password:` exchange first, echo of what it receives (`\n` → `\r\n`, until
 * `stty -echo` is typed), CRLF on output, `ESC[6n` before each prompt, kernel messages injected
 * at random points of the output (at line starts and in the middle of lines), and Ctrl-C
 * delivered as SIGINT to the shell's process group. The shell outlives client connections, so
 * a second client finds it logged in, as after a vm state was loaded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';

/** Options of {@link FakeGuestConsole.start}. */
export interface FakeGuestConsoleOptions {
  socketPath: string;
  /** The login asked for; no login exchange when `password` is undefined. */
  username?: string;
  password?: string | undefined;
  /** Kernel-message noise: probability per output chunk, and a ticker. */
  noise?: { seed: number; perChunk: number; everyMs?: number } | undefined;
  /** `always`: echo even after `stty -echo` (a console whose stty does not work). */
  echo?: 'stty' | 'always';
  /** Accepts connections and never says anything (a guest that does not answer). */
  silent?: boolean;
}

const KERNEL_MESSAGES = [
  'random: crng init done',
  'virtio_net virtio0 enp0s3: renamed from eth0',
  'EXT4-fs (vda): mounted filesystem with ordered data mode. Quota mode: none.',
  'clocksource: tsc: mark unstable due to clocksource watchdog',
  'systemd-journald[123]: Received SIGTERM',
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP0123456789+/', // looks like base64
];

/** A small seeded PRNG (mulberry32): the noise is the same for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fake console; {@link stop} kills its shell and closes the socket. */
export class FakeGuestConsole {
  readonly socketPath: string;
  readonly #options: FakeGuestConsoleOptions;
  readonly #server: Server;
  readonly #random: () => number;
  #client: Socket | undefined;
  #shell: ChildProcess | undefined;
  #state: 'login' | 'password' | 'shell' = 'login';
  #typed = '';
  #user = '';
  #echo = true;
  #clock = 12.0;
  #ticker: NodeJS.Timeout | undefined;
  #inputDelay: Promise<void> = Promise.resolve();
  /** Everything sent to clients (for failing tests' messages). */
  transcript = '';
  /** How many kernel messages were injected. */
  injected = 0;

  private constructor(options: FakeGuestConsoleOptions, server: Server) {
    this.socketPath = options.socketPath;
    this.#options = options;
    this.#server = server;
    this.#random = prng(options.noise?.seed ?? 1);
    if (options.password === undefined) this.#startShell();
  }

  static async start(options: FakeGuestConsoleOptions): Promise<FakeGuestConsole> {
    const accept: { to?: (socket: Socket) => void } = {};
    const server = createServer((socket) => accept.to?.(socket));
    const fake = new FakeGuestConsole(options, server);
    accept.to = (socket) => {
      fake.#accept(socket);
    };
    await new Promise<void>((resolve) => server.listen(options.socketPath, resolve));
    const everyMs = options.noise?.everyMs;
    if (everyMs !== undefined) {
      fake.#ticker = setInterval(() => {
        fake.#send(fake.#kernelMessage());
      }, everyMs);
    }
    return fake;
  }

  /** Whether someone logged in (the shell runs). */
  get loggedIn(): boolean {
    return this.#state === 'shell';
  }

  /** Drops the connected client, as a client that died would. */
  dropClient(): void {
    this.#client?.destroy();
    this.#client = undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.#ticker);
    this.#client?.destroy();
    const shell = this.#shell;
    if (shell?.pid !== undefined && shell.exitCode === null) {
      const exited = new Promise((resolve) => shell.once('exit', resolve));
      try {
        process.kill(-shell.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #accept(socket: Socket): void {
    this.#client?.destroy();
    this.#client = socket;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.#client === socket) this.#client = undefined;
    });
    if (this.#options.silent === true) {
      socket.resume(); // reads and drops, as a guest that is not listening
      return;
    }
    socket.on('data', (chunk: Buffer) => {
      // Like a UART, bytes after a Ctrl-C arrive a little later than the signal.
      this.#inputDelay = this.#inputDelay.then(async () => this.#input(chunk));
    });
  }

  async #input(chunk: Buffer): Promise<void> {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] ?? 0;
      if (byte === 0x03) {
        this.#send('^C\r\n');
        this.#typed = '';
        if (this.#state === 'shell' && this.#shell?.pid !== undefined) {
          try {
            process.kill(-this.#shell.pid, 'SIGINT');
          } catch {
            // the shell is gone
          }
        } else if (this.#state === 'password') {
          this.#state = 'login';
          this.#prompt();
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const char = byte === 0x0d ? '\n' : String.fromCharCode(byte);
      if (this.#state === 'shell') {
        this.#typed += char;
        if (this.#echo) this.#send(char === '\n' ? '\r\n' : char);
        if (char === '\n') {
          const line = this.#typed;
          this.#typed = '';
          if (this.#options.echo !== 'always') {
            if (/\bstty -echo\b/.test(line)) this.#echo = false;
            else if (/\bstty echo\b/.test(line)) this.#echo = true;
          }
          this.#shell?.stdin?.write(line);
        }
        continue;
      }
      if (char !== '\n') {
        this.#typed += char;
        if (this.#state === 'login') this.#send(char);
        continue;
      }
      this.#send('\r\n');
      const typed = this.#typed;
      this.#typed = '';
      if (this.#state === 'login') {
        if (typed === '') {
          this.#prompt();
          continue;
        }
        this.#user = typed;
        this.#state = 'password';
        this.#send('Password: ');
        continue;
      }
      if (this.#user === (this.#options.username ?? 'root') && typed === this.#options.password) {
        this.#send('\r\nWelcome to the fake guest console.\r\n');
        this.#startShell();
      } else {
        await new Promise((resolve) => setTimeout(resolve, 50));
        this.#send('Login incorrect\r\n');
        this.#state = 'login';
        this.#prompt();
      }
    }
  }

  #prompt(): void {
    this.#send('\r\nfakeguest login: ');
  }

  #startShell(): void {
    this.#state = 'shell';
    // `2>&1` inside: one pipe keeps the order of prompts (stderr) and output (stdout).
    const shell = spawn('/bin/sh', ['-c', 'exec /bin/sh -i 2>&1'], {
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
      env: {
        PATH: process.env.PATH,
        HOME: '/nonexistent-fake-home',
        PS1: 'root@fakeguest:~# ',
        TERM: 'vt100',
      },
    });
    this.#shell = shell;
    shell.stdout.on('data', (chunk: Buffer) => {
      this.#output(chunk.toString('latin1'));
    });
    shell.stdin.on('error', () => undefined);
    shell.on('exit', () => {
      if (this.#shell !== shell) return;
      this.#shell = undefined;
      this.#state = 'login';
      this.#echo = true;
      if (this.#options.password === undefined) this.#startShell();
      else this.#prompt();
    });
  }

  /** Shell output as the console shows it: CRLF, `ESC[6n` before prompts, kernel noise. */
  #output(text: string): void {
    let out = text.replace(/\n/g, '\r\n');
    const prompt = /(root@fakeguest:~# |\$ )$/.exec(out);
    if (prompt !== null) out = `${out.slice(0, prompt.index)}\x1b[6n${prompt[1] ?? ''}`;
    const noise = this.#options.noise;
    if (noise !== undefined && this.#random() < noise.perChunk) {
      // Mid-line at a random point, or right after a line end.
      let at = Math.floor(this.#random() * out.length);
      if (this.#random() < 0.3) {
        const lineEnd = out.indexOf('\n', at);
        if (lineEnd >= 0) at = lineEnd + 1;
      }
      out = out.slice(0, at) + this.#kernelMessage() + out.slice(at);
    }
    this.#send(out);
  }

  #kernelMessage(): string {
    this.injected++;
    this.#clock += this.#random() * 3;
    const text = KERNEL_MESSAGES[Math.floor(this.#random() * KERNEL_MESSAGES.length)] ?? '';
    // One message in six without a timestamp (as from a userspace writer on the console).
    if (this.#random() < 1 / 6) return `${text}\r\n`;
    return `[${this.#clock.toFixed(6).padStart(12)}] ${text}\r\n`;
  }

  #send(text: string): void {
    if (this.#options.silent === true) return;
    this.transcript = (this.transcript + text).slice(-200_000);
    this.#client?.write(Buffer.from(text, 'latin1'));
  }
}
