/**
 * The framing of what the serial shell sends back, as pure functions and classes: marker
 * lines, payload lines, and the assembly of a byte stream from payload lines that noise on the
 * console may have broken, with the ranges still missing. No sockets here: the parser is tested
 * against recorded transcripts.
 *
 * - A marker line ends with `:CG<token>:<name>:<field>:…:` (token: 12 hex digits, fresh for
 *   each request; name: one letter). Noise before it on the same line is ignored.
 * - A payload line is `<n>:<tag>:<base64>` (as `base64 -w 512 | nl -ba -w1 -s :<tag>:` prints
 *   it): line `n` (from 1) of the stream `tag` names, base64 of {@link PAYLOAD_LINE_BYTES}
 *   bytes ({@link PAYLOAD_WIDTH} characters; the last line of a stream is shorter). A line that
 *   does not have exactly this shape and length is dropped.
 * - A stream is announced with its byte count and MD5; when its lines are all there, the MD5
 *   must match, otherwise the whole stream is asked for again.
 */
import { createHash } from 'node:crypto';

/** Base64 characters of a full payload line (`base64 -w 512`). */
export const PAYLOAD_WIDTH = 512;
/** Bytes a full payload line carries. */
export const PAYLOAD_LINE_BYTES = (PAYLOAD_WIDTH / 4) * 3;

/** A line of the console that belongs to the protocol. */
export type FrameLine =
  | { kind: 'marker'; token: string; name: string; fields: string[] }
  | { kind: 'payload'; tag: string; index: number; text: string };

const MARKER = /:CG([0-9a-f]{12}):([a-z]):((?:[^:\s]*:)*)$/;
const PAYLOAD = /^([1-9][0-9]{0,9}):([a-z0-9]{1,8}):([A-Za-z0-9+/]+={0,2})$/;

/** The protocol meaning of one cleaned console line, or undefined for anything else. */
export function parseFrameLine(line: string): FrameLine | undefined {
  const payload = PAYLOAD.exec(line);
  if (payload !== null) {
    const [, index = '', tag = '', text = ''] = payload;
    return { kind: 'payload', tag, index: Number(index), text };
  }
  const marker = MARKER.exec(line);
  if (marker === null) return undefined;
  const [, token = '', name = '', fields = ''] = marker;
  return {
    kind: 'marker',
    token,
    name,
    fields: fields === '' ? [] : fields.slice(0, -1).split(':'),
  };
}

/** What the guest announced of a stream before sending it. */
export interface StreamInfo {
  size: number;
  md5: string;
}

const DECIMAL = /^(?:0|[1-9][0-9]{0,14})$/;
const MD5 = /^[0-9a-f]{32}$/;

/** A stream announcement from two marker fields (`<size>`, `<md5>`), if they are well-formed. */
export function parseStreamInfo(
  size: string | undefined,
  md5: string | undefined,
): StreamInfo | undefined {
  if (size === undefined || md5 === undefined || !DECIMAL.test(size) || !MD5.test(md5)) {
    return undefined;
  }
  return { size: Number(size), md5 };
}

/** How many payload lines a stream of `size` bytes takes. */
export function payloadLineCount(size: number): number {
  return Math.ceil(size / PAYLOAD_LINE_BYTES);
}

/** A range of payload lines, from line `first` (1-based), `count` lines. */
export interface LineRange {
  first: number;
  count: number;
}

const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Collects the payload lines of one announced stream, checks each line's length and
 * alphabet, tells which lines are still missing and, once all are there, checks the MD5.
 */
export class StreamAssembler {
  readonly info: StreamInfo;
  readonly lineCount: number;
  #lines: (Buffer | undefined)[];
  #received = 0;

  constructor(info: StreamInfo) {
    this.info = info;
    this.lineCount = payloadLineCount(info.size);
    this.#lines = new Array<Buffer | undefined>(this.lineCount).fill(undefined);
  }

  /** Bytes line `index` (1-based) carries. */
  lineBytes(index: number): number {
    return index < this.lineCount
      ? PAYLOAD_LINE_BYTES
      : this.info.size - (this.lineCount - 1) * PAYLOAD_LINE_BYTES;
  }

  /** Takes line `index` if it has the right shape; returns whether it was taken. */
  add(index: number, text: string): boolean {
    if (!Number.isInteger(index) || index < 1 || index > this.lineCount) return false;
    const bytes = this.lineBytes(index);
    if (text.length !== Math.ceil(bytes / 3) * 4 || !BASE64_LINE.test(text)) return false;
    const padding = (3 - (bytes % 3)) % 3;
    if (!text.endsWith('='.repeat(padding)) || text.slice(0, text.length - padding).includes('=')) {
      return false;
    }
    const data = Buffer.from(text, 'base64');
    if (data.length !== bytes) return false;
    if (this.#lines[index - 1] === undefined) this.#received++;
    this.#lines[index - 1] = data;
    return true;
  }

  /** Whether every line is there. */
  get complete(): boolean {
    return this.#received === this.lineCount;
  }

  /**
   * The lines still missing as ranges; ranges closer than `mergeGap` lines are merged (asking
   * for a few lines twice is cheaper than one more pipeline in the guest).
   */
  missing(mergeGap = 8): LineRange[] {
    const ranges: LineRange[] = [];
    for (let i = 0; i < this.lineCount; i++) {
      if (this.#lines[i] !== undefined) continue;
      const last = ranges.at(-1);
      if (last !== undefined && i + 1 - (last.first + last.count) <= mergeGap) {
        last.count = i + 1 - last.first + 1;
      } else {
        ranges.push({ first: i + 1, count: 1 });
      }
    }
    return ranges;
  }

  /**
   * The stream, when complete and its MD5 matches. When complete and it does not match (noise
   * that looked like payload), every line is dropped so that the stream is asked for again.
   */
  assemble(): Buffer | undefined {
    if (!this.complete) return undefined;
    const data = Buffer.concat(this.#lines as Buffer[], this.info.size);
    if (createHash('md5').update(data).digest('hex') === this.info.md5) return data;
    this.#lines.fill(undefined);
    this.#received = 0;
    return undefined;
  }
}

/**
 * Everything of one request's answer: its markers (only those with the request's token) and
 * its payload lines by tag. Lines of other requests, echo, prompts and noise are ignored.
 */
export class RoundCollector {
  readonly token: string;
  readonly #markers = new Map<string, string[][]>();
  readonly #payload = new Map<string, Map<number, string>>();
  #payloadLines = 0;

  constructor(token: string) {
    this.token = token;
  }

  /** Takes one cleaned console line; returns whether it belonged to this request. */
  feed(line: string): boolean {
    const frame = parseFrameLine(line);
    if (frame === undefined) return false;
    if (frame.kind === 'marker') {
      if (frame.token !== this.token) return false;
      const list = this.#markers.get(frame.name) ?? [];
      list.push(frame.fields);
      this.#markers.set(frame.name, list);
      return true;
    }
    let lines = this.#payload.get(frame.tag);
    if (lines === undefined) {
      lines = new Map();
      this.#payload.set(frame.tag, lines);
    }
    lines.set(frame.index, frame.text);
    this.#payloadLines++;
    return true;
  }

  /** Whether a marker `name` came. */
  has(name: string): boolean {
    return this.#markers.has(name);
  }

  /** The fields of every marker `name` that came, in order. */
  markers(name: string): readonly string[][] {
    return this.#markers.get(name) ?? [];
  }

  /** The payload lines of `tag`, by line number. */
  payload(tag: string): ReadonlyMap<number, string> {
    return this.#payload.get(tag) ?? new Map();
  }

  /** How many payload lines came (of any tag). */
  get payloadLines(): number {
    return this.#payloadLines;
  }
}
