/**
 * One command over the serial shell: its stdin sent along (or uploaded first), the script that
 * runs it sent as base64 and checked by MD5, its time limit, and its output collected over as
 * many requests as noise makes necessary.
 */
import { createHash, randomInt } from 'node:crypto';
import { GuestError } from '../errors.js';
import { CallStopper } from './call-stopper.js';
import { RoundCollector } from './serial-frames.js';
import { ExecOutput, type StreamName } from './serial-output.js';
import type { SerialRequests } from './serial-requests.js';
import {
  newToken,
  requestPaths,
  resendScript,
  runScript,
  runScriptLines,
  type ScriptStdin,
} from './serial-scripts.js';

/** What a command gets. */
export interface CommandRequest {
  stdin?: Buffer | undefined;
  env: Record<string, string>;
  /** How long it may run. */
  timeoutMs: number;
}

/** What a command left: the shell's exit status and both streams. */
export interface CommandOutput {
  status: number;
  stdout: Buffer;
  stderr: Buffer;
}

// A script up to this size goes in the same write as the line that runs it; stdin up to
// INLINE_STDIN_MAX goes inside the script. Larger ones are uploaded first.
const INLINE_SCRIPT_MAX = 32 * 1024;
const INLINE_STDIN_MAX = 16 * 1024;
const MAX_RESENDS = 12;
const MAX_ATTEMPTS = 3;

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * Runs one command and collects its output: the heart of exec, readFile and writeFile.
 * `pendingCleanup` holds the tokens of earlier commands whose files are still in the guest;
 * the command's script removes them, and its own token is added.
 */
export async function runCommand(
  requests: SerialRequests,
  pendingCleanup: Set<string>,
  argv: readonly string[],
  request: CommandRequest,
  stop: CallStopper,
  what: string,
): Promise<CommandOutput> {
  if (requests.needsRecovery) await requests.recover(undefined);
  const token = newToken();
  const salt = randomInt(36 * 36)
    .toString(36)
    .padStart(2, '0');
  const tags = { stdout: `o${salt}`, stderr: `e${salt}` };
  const paths = requestPaths(requests.base, token);
  const cleanup = [...pendingCleanup];
  pendingCleanup.add(token);
  const { stdin } = request;
  let round = new RoundCollector(token);
  for (let attempt = 1; ; attempt++) {
    let scriptStdin: ScriptStdin = { kind: 'none' };
    try {
      if (stdin !== undefined && stdin.length > INLINE_STDIN_MAX) {
        await requests.upload(paths.stdin, stdin, stop.signal);
        scriptStdin = { kind: 'uploaded', md5: md5(stdin) };
      } else if (stdin !== undefined) {
        scriptStdin = { kind: 'inline', data: stdin };
      }
    } catch (error) {
      throw await requests.failed(error, stop, undefined, undefined);
    }
    const script = Buffer.from(
      runScript({
        token,
        base: requests.base,
        argv,
        env: request.env,
        stdin: scriptStdin,
        timeoutSeconds: Math.ceil(request.timeoutMs / 1000),
        tags,
        cleanup,
      }),
    );
    const inline = script.length <= INLINE_SCRIPT_MAX;
    if (!inline) {
      try {
        await requests.upload(paths.script, script, stop.signal);
      } catch (error) {
        throw await requests.failed(error, stop, undefined, undefined);
      }
    }
    // The command's time runs from here until the guest says it ended (`t`, or anything
    // that comes after it); the transfer of its output is not counted.
    const timer = new CallStopper(what, { signal: stop.signal, timeoutMs: request.timeoutMs });
    round = new RoundCollector(token);
    const ended = (r: RoundCollector): boolean =>
      r.has('t') || r.has('h') || r.has('z') || r.payloadLines > 0;
    try {
      await requests.round(
        round,
        runScriptLines(requests.base, token, script, md5(script), inline),
        timer.signal,
        {
          afterLine: (r) => {
            if (ended(r)) timer.cancelTimer();
          },
          running: (r) => !ended(r) && !r.has('x') && !r.has('u') && !r.has('f'),
        },
      );
    } catch (error) {
      throw await requests.failed(error, stop, timer, token);
    } finally {
      timer.dispose();
    }
    if (round.has('p')) for (const old of cleanup) pendingCleanup.delete(old);
    if (round.has('f')) {
      throw new GuestError('GUEST_FAILED', `${what}: the guest cannot create ${paths.dir}`);
    }
    if (!round.has('x') && !round.has('u')) break;
    if (attempt >= MAX_ATTEMPTS) {
      throw new GuestError(
        'GUEST_PROTOCOL',
        `${what}: the guest received the request damaged ${attempt} times`,
      );
    }
  }
  return collectOutput(requests, round, token, tags, stop, what);
}

/** Asks for what noise broke until both streams are complete and their MD5s match. */
async function collectOutput(
  requests: SerialRequests,
  first: RoundCollector,
  token: string,
  tags: { stdout: string; stderr: string },
  stop: CallStopper,
  what: string,
): Promise<CommandOutput> {
  const output = new ExecOutput();
  const streams = new Map<string, StreamName>([
    [tags.stdout, 'stdout'],
    [tags.stderr, 'stderr'],
  ]);
  output.take(first, streams);
  for (let resends = 0; ; resends++) {
    const request = output.next();
    if (request === undefined) return output.result();
    if (resends >= MAX_RESENDS) {
      throw new GuestError(
        'GUEST_PROTOCOL',
        `${what}: the output did not arrive intact after ${resends} requests to send it again`,
      );
    }
    const ranges = request.ranges.map((range) => ({ ...range, tag: tags[range.stream] }));
    const resendToken = newToken();
    const script = Buffer.from(
      resendScript(requests.base, resendToken, token, request.header, ranges),
    );
    const round = new RoundCollector(resendToken);
    try {
      await requests.round(
        round,
        runScriptLines(requests.base, resendToken, script, md5(script), true),
        stop.signal,
      );
    } catch (error) {
      throw await requests.failed(error, stop, undefined, undefined);
    }
    output.take(round, streams);
  }
}
