/**
 * The output of one guest command over the serial shell, assembled over as many requests as
 * noise makes necessary: the header (exit status, size and MD5 of stdout and stderr), then the
 * payload lines of both streams, then the lines or header still missing. Pure.
 */
import {
  type LineRange,
  parseStreamInfo,
  type RoundCollector,
  StreamAssembler,
  type StreamInfo,
} from './serial-frames.js';

/** The two captured streams; their files in the guest are `o` and `e`. */
export type StreamName = 'stdout' | 'stderr';

/** What the guest tells once a command has ended: `:CG<token>:h:<status>:<o size>:<o md5>:<e size>:<e md5>:`. */
export interface ExecHeader {
  status: number;
  stdout: StreamInfo;
  stderr: StreamInfo;
}

/** The header of an `h` marker's fields, if well-formed. */
export function parseExecHeader(fields: readonly string[]): ExecHeader | undefined {
  const [status, outSize, outMd5, errSize, errMd5] = fields;
  if (fields.length !== 5 || status === undefined || !/^[0-9]{1,3}$/.test(status)) return undefined;
  const stdout = parseStreamInfo(outSize, outMd5);
  const stderr = parseStreamInfo(errSize, errMd5);
  if (stdout === undefined || stderr === undefined) return undefined;
  return { status: Number(status), stdout, stderr };
}

/** What to ask the guest for next. */
export interface ResendRequest {
  /** The header is missing: ask for it again. */
  header: boolean;
  /** Line ranges of the streams to send again. */
  ranges: (LineRange & { stream: StreamName })[];
}

/** Collects a command's output over requests and says what is still missing. */
export class ExecOutput {
  #header: ExecHeader | undefined;
  readonly #streams = new Map<StreamName, StreamAssembler>();
  readonly #results = new Map<StreamName, Buffer>();
  // Payload lines that came before the header: kept until sizes are known.
  readonly #early: { stream: StreamName; index: number; text: string }[] = [];

  /** The header, once known. */
  get header(): ExecHeader | undefined {
    return this.#header;
  }

  /** Takes the header and payload lines one request brought; `tags` names their streams. */
  take(round: RoundCollector, tags: ReadonlyMap<string, StreamName>): void {
    if (this.#header === undefined) {
      for (const fields of round.markers('h')) {
        const header = parseExecHeader(fields);
        if (header === undefined) continue;
        this.#header = header;
        this.#streams.set('stdout', new StreamAssembler(header.stdout));
        this.#streams.set('stderr', new StreamAssembler(header.stderr));
        break;
      }
    }
    for (const [tag, stream] of tags) {
      for (const [index, text] of round.payload(tag)) this.#early.push({ stream, index, text });
    }
    if (this.#header === undefined) return;
    for (const line of this.#early.splice(0)) {
      if (!this.#results.has(line.stream)) {
        this.#streams.get(line.stream)?.add(line.index, line.text);
      }
    }
  }

  /**
   * What to ask for next, or undefined when both streams are complete and their MD5s match.
   * At most `maxRanges` ranges per request.
   */
  next(maxRanges = 64): ResendRequest | undefined {
    if (this.#header === undefined) return { header: true, ranges: [] };
    const ranges: ResendRequest['ranges'] = [];
    for (const [stream, assembler] of this.#streams) {
      if (this.#results.has(stream)) continue;
      const data = assembler.assemble();
      if (data !== undefined) {
        this.#results.set(stream, data);
        continue;
      }
      for (const range of assembler.missing()) ranges.push({ stream, ...range });
    }
    if (ranges.length === 0) return undefined;
    return { header: false, ranges: ranges.slice(0, maxRanges) };
  }

  /** The exit status and both streams; only after {@link next} returned undefined. */
  result(): { status: number; stdout: Buffer; stderr: Buffer } {
    const stdout = this.#results.get('stdout');
    const stderr = this.#results.get('stderr');
    if (this.#header === undefined || stdout === undefined || stderr === undefined) {
      throw new Error('ExecOutput.result() before the output was complete');
    }
    return { status: this.#header.status, stdout, stderr };
  }
}
