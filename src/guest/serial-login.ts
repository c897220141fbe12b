/**
 * Getting from whatever state a serial console is in to a prepared shell: poke the line, log
 * in at a login prompt, take a shell that is already there (after a vm state was loaded, or
 * left by an earlier session), then prepare it and check it answers.
 */
import { GuestError } from '../errors.js';
import type { SerialConsole } from './serial-console.js';
import { RoundCollector } from './serial-frames.js';
import { BASE_DIRS, HEREDOC_END, newToken, probeLine, setupLine } from './serial-scripts.js';

/** What {@link openShellSession} needs to know. */
export interface ShellSessionOptions {
  username?: string | undefined;
  password?: string | undefined;
  loginPrompt: RegExp;
  passwordPrompt: RegExp;
  shellPrompt: RegExp;
  /** Poke again after this long without a recognised prompt. */
  pokeMs: number;
  /** How long a prepared shell may take to answer the setup line. */
  responseTimeoutMs: number;
}

/** A prepared shell: where its files go in the guest. */
export interface ShellSession {
  /** The guest directory for the session's files (`/tmp`, …). */
  base: string;
}

// What login(1) and getty print after a wrong password.
const LOGIN_FAILED =
  /Login incorrect|Login failed|Authentication failure|incorrect password|Permission denied/i;
// Kernel messages (`[   12.345678] …`) can come in the middle of a prompt line: drop them
// before matching prompts.
const KERNEL_MESSAGE = /\[\s*\d+\.\d+\][^\n]*(?:\n|$)/g;
// The prompt the setup line sets; recognised even when `shellPrompt` is a custom one.
const OWN_PROMPT = /(?:^|\n)\$ $/;
const TICK_MS = 50;
const SETUP_ATTEMPTS = 5;

type ConsoleState = 'shell' | 'login' | 'password' | 'failed';

/**
 * Brings the console to a prepared shell. Stops (with the signal's reason) when `signal`
 * aborts; the caller turns a deadline into `GUEST_UNREACHABLE`. Throws `GUEST_LOGIN` when the
 * guest refuses the login and `GUEST_BAD_ACCESS` when the shell lacks a needed tool.
 */
export async function openShellSession(
  con: SerialConsole,
  options: ShellSessionOptions,
  signal: AbortSignal,
): Promise<ShellSession> {
  let text = '';
  let actedAt = 0;
  let receivedAtAct = -1;
  let sentUser = false;
  let userSends = 0;
  let sentPassword = false;
  let pokes = 0;
  const passwordAnywhere = unanchored(options.passwordPrompt);
  // What the line being written showed when we acted is old: a prompt we already answered
  // must not be seen again when the guest ends its line.
  let oldTail: string | undefined;
  const fresh = (line: string): string =>
    oldTail !== undefined && line.startsWith(oldTail) ? line.slice(oldTail.length) : line;
  const off = con.onLine((line) => {
    text = `${text}${fresh(line)}\n`.slice(-8192);
    oldTail = undefined;
  });
  const view = (): string => `${text}${fresh(con.tail)}`.replace(KERNEL_MESSAGE, '');
  const act = (data: string): void => {
    con.write(data);
    text = '';
    oldTail = con.tail;
    actedAt = Date.now();
    receivedAtAct = con.received;
  };
  const classify = (): ConsoleState | undefined => {
    // Until the guest answers what was just sent, the old prompt is still in the tail.
    if (con.received === receivedAtAct) return undefined;
    const seen = view();
    if (sentPassword && LOGIN_FAILED.test(seen)) return 'failed';
    if (options.passwordPrompt.test(seen)) return 'password';
    // Right after the username, a password prompt that noise followed on its line still counts.
    if (sentUser && !sentPassword && passwordAnywhere.test(seen)) return 'password';
    if (options.loginPrompt.test(seen)) return 'login';
    if (options.shellPrompt.test(seen) || OWN_PROMPT.test(seen)) return 'shell';
    return undefined;
  };
  const poke = (): void => {
    // Pokes: a newline; then Ctrl-C (a command left running by an earlier session); then the
    // end of a heredoc an earlier session may have left open. Ctrl-C only on a silent console:
    // a guest still printing is booting, and its boot must not be interrupted.
    const quiet = Date.now() - con.lastDataAt >= options.pokeMs;
    const step = pokes++ % 4;
    act(step === 2 && quiet ? '\x03\n' : step === 3 && quiet ? `\n${HEREDOC_END}\n` : '\n');
  };
  try {
    poke();
    for (let setups = 0; ;) {
      let state: ConsoleState | undefined;
      await con.wait(() => (state = classify()) !== undefined, signal, {
        everyMs: TICK_MS,
        onTick: () => {
          // A newline at a password prompt would be a wrong password: no pokes meanwhile.
          const awaitingPassword = sentUser && !sentPassword;
          if (!awaitingPassword && Date.now() - actedAt >= options.pokeMs) poke();
        },
      });
      switch (state) {
        case 'failed':
        case 'login':
          // A second login prompt right after the username may answer a poke that crossed it.
          if (sentPassword || state === 'failed' || userSends >= 2) {
            throw loginError(con, view(), 'refused the login');
          }
          if (options.username === undefined) {
            throw loginError(con, view(), 'asks for a login, and no username was given');
          }
          sentUser = true;
          userSends++;
          act(`${options.username}\n`);
          break;
        case 'password':
          if (!sentUser) {
            // A password prompt for a login started before this session, for whichever user:
            // an empty password ends it, and the login prompt comes back.
            act('\n');
            break;
          }
          if (sentPassword) throw loginError(con, view(), 'asked for the password again');
          if (options.password === undefined) {
            throw loginError(con, view(), 'asks for a password, and none was given');
          }
          sentPassword = true;
          act(`${options.password}\n`);
          break;
        case 'shell': {
          const session = await setUp(con, options, signal);
          if (typeof session === 'object') return session;
          if (++setups >= SETUP_ATTEMPTS) {
            if (session === 'no-dir') {
              throw new GuestError(
                'GUEST_BAD_ACCESS',
                `the guest shell on ${con.path} has no writable directory of ${BASE_DIRS.join(', ')}`,
              );
            }
            throw new GuestError(
              'GUEST_UNREACHABLE',
              `serial console ${con.path}: a prompt came but the shell did not answer its setup; ` +
                `the console said:\n${con.recentText()}`,
            );
          }
          poke();
          break;
        }
        case undefined:
          break;
      }
    }
  } finally {
    off();
  }
}

/** `pattern` without its end anchor (`/[Pp]assword:\s*$/` → `/[Pp]assword:/`). */
function unanchored(pattern: RegExp): RegExp {
  return new RegExp(pattern.source.replace(/(?:\\s\*)?\$$/, ''), pattern.flags.replace('g', ''));
}

function loginError(con: SerialConsole, seen: string, what: string): GuestError {
  const said = seen.trim() === '' ? con.recentText() : seen.trim();
  return new GuestError('GUEST_LOGIN', `the guest on ${con.path} ${what}: ${said.slice(-500)}`);
}

/**
 * Sends the setup line and waits for its end marker. `silent` when it did not answer in time
 * (the prompt was not a shell's, or noise broke the markers), `no-dir` when it named no
 * writable directory.
 */
async function setUp(
  con: SerialConsole,
  options: ShellSessionOptions,
  signal: AbortSignal,
): Promise<ShellSession | 'silent' | 'no-dir'> {
  const token = newToken();
  const round = new RoundCollector(token);
  const off = con.onLine((line) => round.feed(line));
  const answered = AbortSignal.any([signal, AbortSignal.timeout(options.responseTimeoutMs)]);
  try {
    // The probe after it answers even when noise broke the `k` marker: no long wait then.
    con.write(setupLine(token) + probeLine(token, 0));
    await con.wait(() => round.has('k') || round.has('q'), answered);
  } catch (error) {
    if (signal.aborted || !answered.aborted) throw error;
    return 'silent';
  } finally {
    off();
  }
  if (!round.has('k')) return 'silent';
  const missing = round.markers('m').map((fields) => fields[0] ?? '');
  if (missing.length > 0) {
    throw new GuestError(
      'GUEST_BAD_ACCESS',
      `the guest shell on ${con.path} lacks ${missing.join(', ')}, which the serial shell needs`,
    );
  }
  const base = round.markers('d')[0]?.[0];
  if (base === undefined || !/^\/[A-Za-z0-9/._-]*$/.test(base)) return 'no-dir';
  return { base };
}
