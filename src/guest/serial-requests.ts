/**
 * The requests of a serial shell session, one at a time on the console: sending text with a
 * probe and collecting the answer of a fresh token (with more probes when noise broke the end
 * marker), uploading a file in acknowledged chunks, and bringing the shell back to its prompt
 * after an interrupted request.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GuestError } from '../errors.js';
import type { CallStopper } from './call-stopper.js';
import type { SerialConsole } from './serial-console.js';
import { RoundCollector } from './serial-frames.js';
import { newToken, probeLine, recoverLines, uploadLines } from './serial-scripts.js';

/** Callbacks of one request. */
export interface RoundHooks {
  /** After each line that belonged to the request. */
  afterLine?: (round: RoundCollector) => void;
  /** Whether a command still runs: the guest may then be silent for long. */
  running?: (round: RoundCollector) => boolean;
}

// Uploads go in chunks that the guest acknowledges one by one (the tty's buffers stay far from
// full; busybox ash also reads large heredocs slowly).
const UPLOAD_CHUNK = 48 * 1024;
const TICK_MS = 50;
// After this long without an answer, ask the shell to print a probe marker (the request's end
// marker may have been broken by noise); then again, backing off. While a command runs they
// wait in the tty's input, to be answered when it ends.
const IDLE_PROBE_MS = 1_000;
const MAX_PROBE_INTERVAL_MS = 30_000;
// Half a marker (noise cut it in two): probe soon rather than after a quiet second.
const BROKEN_MARKER = /:CG[0-9a-f]{0,11}$|^[0-9a-f]{0,11}:[a-z]:(?:[^:\s]*:)*$/;
const BROKEN_MARKER_PROBE_MS = 200;
const CTRL_C_SETTLE_MS = 100;

/** Requests on one prepared shell. */
export class SerialRequests {
  readonly console: SerialConsole;
  /** The guest directory of the session's files. */
  readonly base: string;
  readonly #responseTimeoutMs: number;
  #needsRecovery = false;

  constructor(con: SerialConsole, base: string, responseTimeoutMs: number) {
    this.console = con;
    this.base = base;
    this.#responseTimeoutMs = responseTimeoutMs;
  }

  /** Whether the last recovery failed: the next request must recover first. */
  get needsRecovery(): boolean {
    return this.#needsRecovery;
  }

  /** Writes `data` into a guest file in acknowledged chunks. */
  async upload(file: string, data: Buffer, signal: AbortSignal): Promise<void> {
    let offset = 0;
    do {
      const chunk = data.subarray(offset, offset + UPLOAD_CHUNK);
      const token = newToken();
      await this.round(new RoundCollector(token), uploadLines(file, chunk, offset > 0), signal);
      offset += chunk.length;
    } while (offset < data.length);
  }

  /**
   * Sends `text` and a probe, and feeds every console line to `round` until the request's end
   * (`z`) or a probe's answer (`q`). More probes go out while no line of the request comes; a
   * guest that sends none for `responseTimeoutMs` while not `running` a command is
   * `GUEST_UNREACHABLE`.
   */
  async round(
    round: RoundCollector,
    text: string,
    signal: AbortSignal,
    hooks: RoundHooks = {},
  ): Promise<void> {
    const con = this.console;
    // Only lines of this request count as an answer: noise (a ticker, kernel messages) must
    // not keep a dead request alive, nor delay its probes.
    let heardAt = Date.now();
    let probedAt = heardAt;
    let probes = 1;
    let brokenMarker = false;
    const off = con.onLine((line) => {
      if (!round.feed(line)) {
        // Half a marker (noise cut it in two): probe now rather than after a quiet second.
        brokenMarker ||= BROKEN_MARKER.test(line) && !line.includes(':CG""');
        return;
      }
      heardAt = Date.now();
      hooks.afterLine?.(round);
    });
    con.write(text + probeLine(round.token, 0));
    try {
      await con.wait(() => round.has('q') || round.has('z'), signal, {
        everyMs: TICK_MS,
        onTick: () => {
          const now = Date.now();
          const running = hooks.running?.(round) === true;
          // While a command runs, probes wait in the tty: fewer of them, the longer it runs.
          const interval = running
            ? Math.min(IDLE_PROBE_MS * 2 ** (probes - 1), MAX_PROBE_INTERVAL_MS)
            : IDLE_PROBE_MS;
          const soon = brokenMarker && now - probedAt >= BROKEN_MARKER_PROBE_MS;
          if (soon || now - Math.max(heardAt, probedAt) >= interval) {
            brokenMarker = false;
            con.write(probeLine(round.token, probes++));
            probedAt = now;
          }
          if (!running && now - heardAt >= this.#responseTimeoutMs) {
            throw new GuestError(
              'GUEST_UNREACHABLE',
              `the guest shell on ${this.console.path} stopped answering for ${this.#responseTimeoutMs} ms`,
            );
          }
        },
      });
    } finally {
      off();
    }
  }

  /**
   * The error a call ends with after `error` interrupted a request: brings the shell back
   * (Ctrl-C, kill the command, resynchronise on a fresh marker) and names the cause.
   */
  async failed(
    error: unknown,
    stop: CallStopper,
    timer: CallStopper | undefined,
    commandToken: string | undefined,
  ): Promise<unknown> {
    if (error instanceof GuestError && error.code === 'GUEST_NOT_RUNNING') return error;
    let cause = error;
    if (stop.cause !== undefined) cause = stop.error();
    else if (timer?.cause === 'timeout') cause = timer.error();
    try {
      await this.recover(commandToken);
    } catch (recoverError) {
      return recoverError instanceof GuestError
        ? new GuestError(recoverError.code, recoverError.message, { cause })
        : recoverError;
    }
    return cause;
  }

  /**
   * Ctrl-C, the end of any open heredoc, kill the command of `commandToken` and its watchdog,
   * and a probe: again until the probe answers.
   */
  async recover(commandToken: string | undefined): Promise<void> {
    const deadline = Date.now() + this.#responseTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        this.#needsRecovery = true;
        throw new GuestError(
          'GUEST_UNREACHABLE',
          `the guest shell on ${this.console.path} did not come back to its prompt within ` +
            `${this.#responseTimeoutMs} ms; the console showed:\n${this.console.recentText()}`,
        );
      }
      this.console.write('\x03');
      await sleep(CTRL_C_SETTLE_MS);
      const token = newToken();
      try {
        await this.round(
          new RoundCollector(token),
          recoverLines(this.base, commandToken),
          AbortSignal.timeout(Math.min(remaining, 500 * 2 ** attempt)),
        );
        this.#needsRecovery = false;
        return;
      } catch (error) {
        if (error instanceof GuestError && error.code === 'GUEST_NOT_RUNNING') throw error;
      }
    }
  }
}
