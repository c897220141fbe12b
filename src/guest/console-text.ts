/**
 * What a serial console sends, as lines of plain text: CR dropped, ANSI escape sequences
 * (`ESC[6n` of busybox's line editing, colours, cursor moves) and other control characters
 * removed. Pure: fed with the bytes as they come, it keeps the unfinished last line apart.
 */

/* eslint-disable no-control-regex -- matching control characters is the point here. */
// CSI (ESC [ params intermediates final), OSC (ESC ] … BEL or ESC \), charset selection
// (ESC ( B) and the other two-byte escapes (ESC 7, ESC M, …).
const ESCAPES =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][ -~]|\x1b[ -~]/g;
// An escape sequence cut off at the end of the text seen so far.
const UNFINISHED_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[()*+])?$/;
// Every control character but tab; CR goes too (CRLF and the CRs of redrawn lines).
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f]/g;
/* eslint-enable no-control-regex */

const MAX_LINE = 65_536;

/** One line of console text without escapes and control characters. */
export function cleanConsoleLine(raw: string): string {
  return raw.replace(ESCAPES, '').replace(CONTROLS, '');
}

/**
 * Splits console bytes into cleaned lines. Bytes are taken as latin1 (one character per
 * byte), so nothing is lost to UTF-8 decoding; payload and markers are ASCII.
 */
export class ConsoleText {
  #pending = '';

  /** Feeds bytes; returns the lines they completed, cleaned. */
  push(chunk: Buffer | string): string[] {
    this.#pending += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const end = this.#pending.lastIndexOf('\n');
    if (end < 0) {
      // A guest writing without newlines forever must not grow this without bound; such a
      // line is noise to the protocol anyway.
      if (this.#pending.length <= MAX_LINE) return [];
      const line = this.#pending;
      this.#pending = '';
      return [cleanConsoleLine(line)];
    }
    const complete = this.#pending.slice(0, end);
    this.#pending = this.#pending.slice(end + 1);
    return complete.split('\n').map(cleanConsoleLine);
  }

  /** The line being written (after the last newline), cleaned: where prompts stand. */
  get tail(): string {
    return cleanConsoleLine(this.#pending.replace(UNFINISHED_ESCAPE, ''));
  }
}
