import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConsoleText } from '../../../src/guest/console-text.js';
import {
  PAYLOAD_LINE_BYTES,
  parseFrameLine,
  RoundCollector,
  StreamAssembler,
} from '../../../src/guest/serial-frames.js';
import { ExecOutput, type StreamName } from '../../../src/guest/serial-output.js';

/**
 * The serial framing as pure functions, against console transcripts: echo of the command,
 * CRLF, `ESC[6n` before prompts, kernel messages at line starts and inside payload lines.
 */
const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** Feeds a transcript in uneven chunks (escape sequences and lines cut in two). */
function linesOf(transcript: string, chunk = 7): string[] {
  const text = new ConsoleText();
  const lines: string[] = [];
  const bytes = Buffer.from(transcript, 'latin1');
  for (let i = 0; i < bytes.length; i += chunk)
    lines.push(...text.push(bytes.subarray(i, i + chunk)));
  return lines;
}

function collect(token: string, transcript: string): RoundCollector {
  const round = new RoundCollector(token);
  for (const line of linesOf(transcript)) round.feed(line);
  return round;
}

/** The payload lines the guest prints for `data` (`base64 -w 512 | nl -ba -w1 -s :<tag>:`). */
function guestPayload(tag: string, data: Buffer, first = 1): string[] {
  const b64 = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i * 512 < b64.length; i++) {
    lines.push(`${first + i}:${tag}:${b64.slice(i * 512, (i + 1) * 512)}\r\n`);
  }
  return lines;
}

const TOKEN = 'e09e0973fc8a';
const STREAMS = new Map<string, StreamName>([
  ['ovd', 'stdout'],
  ['evd', 'stderr'],
]);

// Recorded from the fake console for `printf '%s\n' 'a b' '$HOME'` (its echo of the request
// shortened), with a kernel message that came in the middle of the only payload line.
const RECORDED =
  "base64 -d >/tmp/.cartograph-e09e0973fc8a.sh <<'CG-END'\r\n" +
  'ewptPUNHIiJlMDllMDk3M2ZjOGEKZWNobyAiOiRtOnM6IgpkPS90bXAvLmNhcnRvZ3JhcGgtZTA5ZTA5NzNmYzhh\r\n' +
  'ZGV2L251bGwKZWNobyAkcyA+IiRkL3MiCmVjaG8gIjokbTp0OiRzOiIKY2dfaApjZ19iIG8gb3ZkCmNnX2IgZSBldmQK\r\n' +
  'CG-END\r\n' +
  'set -- $(md5sum /tmp/.cartograph-e09e0973fc8a.sh); if [ "$1" = 44b49841afa1a451bb764c399d53f95f ]; ' +
  'then sh /tmp/.cartograph-e09e0973fc8a.sh; else echo :CG""e09e0973fc8a:x:; fi; rm -f /tmp/.cartograph-e09e0973fc8a.sh\r\n' +
  'echo :CG""e09e0973fc8a:q:0:\r\n' +
  '\x1b[6n$ :CGe09e0973fc8a:s:\r\n' +
  ':CGe09e0973fc8a:p:2347:2348:\r\n' +
  ':CGe09e0973fc8a:t:0:\r\n' +
  '[   14.873765] random: crng init done\r\n' +
  ':CGe09e0973fc8a:h:0:10:4f0d99957f4566a2abd776921e31e151:0:d41d8cd98f00b204e9800998ecf8427e:\r\n' +
  '1:ovd:YSBiCiRI[   16.905724] random: crng init done\r\n' +
  'T01FCg==\r\n' +
  ':CGe09e0973fc8a:z:\r\n' +
  '\x1b[6n$ :CGe09e0973fc8a:q:0:\r\n' +
  '\x1b[6n$ ';

describe('parseFrameLine', () => {
  it('reads markers, also after noise on the same line', () => {
    expect(parseFrameLine(':CGfc1da78eeaed:h:0:10:abc:')).toEqual({
      kind: 'marker',
      token: 'fc1da78eeaed',
      name: 'h',
      fields: ['0', '10', 'abc'],
    });
    expect(parseFrameLine('$ :CGfc1da78eeaed:z:')).toMatchObject({ name: 'z', fields: [] });
    expect(parseFrameLine('[ 1.0] x:CGfc1da78eeaed:q:3:')).toMatchObject({ fields: ['3'] });
  });

  it('reads payload lines and drops everything else', () => {
    expect(parseFrameLine('12:ovd:QUJD')).toEqual({
      kind: 'payload',
      tag: 'ovd',
      index: 12,
      text: 'QUJD',
    });
    for (const noise of [
      'echo :CG""fc1da78eeaed:q:0:',
      ':CGfc1da78eeaed:h:0:1[   3.1] random: crng init done',
      '1:ovd:YSBiCiRI[   16.905724] random: crng init done',
      'T01FCg==',
      '0:ovd:QUJD',
      '$ 1:ovd:QUJD',
      '1:ovd:QU JD',
      'QUJDRA==',
      '[    2.000000] abcdefghijklmnop',
    ]) {
      expect(parseFrameLine(noise)).toBeUndefined();
    }
  });
});

describe('ConsoleText', () => {
  it('drops CR, escape sequences (also cut between chunks) and control characters', () => {
    const text = new ConsoleText();
    expect(text.push(Buffer.from('a\r\nb\x1b['))).toEqual(['a']);
    expect(text.tail).toBe('b');
    expect(text.push(Buffer.from('6nc\x07\r\n\x1b[1;32mgreen\x1b[0m$ '))).toEqual(['bc']);
    expect(text.tail).toBe('green$ ');
  });
});

describe('StreamAssembler', () => {
  it('takes lines of the right length only, lists the missing ranges, checks the MD5', () => {
    const data = Buffer.from(
      Array.from({ length: PAYLOAD_LINE_BYTES * 20 + 5 }, (_, i) => i % 251),
    );
    const assembler = new StreamAssembler({ size: data.length, md5: md5(data) });
    const lines = data.toString('base64').match(/.{1,512}/g) ?? [];
    expect(lines).toHaveLength(21);
    for (const [i, line] of lines.entries()) {
      if (![3, 4, 15].includes(i + 1)) expect(assembler.add(i + 1, line)).toBe(true);
    }
    expect(assembler.add(3, lines[2]?.slice(1) ?? '')).toBe(false);
    expect(assembler.add(22, 'QUJD')).toBe(false);
    expect(assembler.missing(0)).toEqual([
      { first: 3, count: 2 },
      { first: 15, count: 1 },
    ]);
    expect(assembler.missing(10)).toEqual([{ first: 3, count: 13 }]);
    expect(assembler.missing()).toHaveLength(2);
    expect(assembler.assemble()).toBeUndefined();
    assembler.add(3, lines[2] ?? '');
    assembler.add(4, lines[3] ?? '');
    // A line that looks right but is not (noise of the right shape): the MD5 catches it.
    assembler.add(15, lines[0] ?? '');
    expect(assembler.assemble()).toBeUndefined();
    expect(assembler.missing(0)).toEqual([{ first: 1, count: 21 }]);
  });
});

describe('ExecOutput on recorded transcripts', () => {
  it('asks again for the line a kernel message broke, then has the exact output', () => {
    const output = new ExecOutput();
    output.take(collect(TOKEN, RECORDED), STREAMS);
    expect(output.header).toEqual({
      status: 0,
      stdout: { size: 10, md5: '4f0d99957f4566a2abd776921e31e151' },
      stderr: { size: 0, md5: 'd41d8cd98f00b204e9800998ecf8427e' },
    });
    expect(output.next()).toEqual({
      header: false,
      ranges: [{ stream: 'stdout', first: 1, count: 1 }],
    });
    const resend =
      '\x1b[6n$ :CG0a1b2c3d4e5f:s:\r\n1:ovd:YSBiCiRIT01FCg==\r\n:CG0a1b2c3d4e5f:z:\r\n' +
      '$ :CG0a1b2c3d4e5f:q:0:\r\n';
    output.take(collect('0a1b2c3d4e5f', resend), STREAMS);
    expect(output.next()).toBeUndefined();
    expect(output.result()).toEqual({
      status: 0,
      stdout: Buffer.from('a b\n$HOME\n'),
      stderr: Buffer.alloc(0),
    });
  });

  it('rebuilds binary output from a noisy multi-line transcript with resends', () => {
    const stdout = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7 + (i >> 8)) % 256));
    const stderr = Buffer.from('warning: \r\n\x00\xff', 'latin1');
    const out = guestPayload('ovd', stdout);
    const err = guestPayload('evd', stderr);
    expect(out).toHaveLength(14);
    const kernel = '[   12.345678] random: crng init done\r\n';
    // Line 3: a message in its middle; line 7: one at its start (harmless); line 9: echo of a
    // probe in its middle; line 12 lost its end marker to a message without timestamp.
    const damaged = out.map((line, i) => {
      if (i === 2) return `${line.slice(0, 100)}${kernel}${line.slice(100)}`;
      if (i === 6) return `${kernel}${line}`;
      if (i === 8) return `${line.slice(0, 300)}echo :CG""0a1b2c3d4e5f:q:1:\r\n${line.slice(300)}`;
      if (i === 11) return `${line.slice(0, -5)}EXT4-fs (vda): re-mounted\r\n${line.slice(-5)}`;
      return line;
    });
    const header = `:CG${TOKEN}:h:3:${stdout.length}:${md5(stdout)}:${stderr.length}:${md5(stderr)}:\r\n`;
    const transcript =
      `\x1b[6n$ :CG${TOKEN}:p:100:101:\r\n:CG${TOKEN}:t:3:\r\n${kernel}${header}` +
      `${damaged.join('')}${err.join('')}:CG${TOKEN}:z:\r\n\x1b[6n$ `;
    const output = new ExecOutput();
    output.take(collect(TOKEN, transcript), STREAMS);
    const request = output.next();
    expect(request).toEqual({
      header: false,
      ranges: [{ stream: 'stdout', first: 3, count: 10 }],
    });
    // The guest sends lines 3..12 again (dd skip=2 count=10 | … | nl -v 3); line 3 breaks
    // again, and the broken copy of line 7 does not replace the good one.
    const again = guestPayload('ovd', stdout.subarray(2 * 384, 12 * 384), 3).map((line, i) =>
      i === 0 || i === 4 ? `${line.slice(0, 50)}${kernel}${line.slice(50)}` : line,
    );
    output.take(
      collect('0a1b2c3d4e5f', `$ :CG0a1b2c3d4e5f:s:\r\n${again.join('')}:CG0a1b2c3d4e5f:z:\r\n`),
      STREAMS,
    );
    expect(output.next()).toEqual({
      header: false,
      ranges: [{ stream: 'stdout', first: 3, count: 1 }],
    });
    const last = guestPayload('ovd', stdout.subarray(2 * 384, 3 * 384), 3);
    output.take(collect('1a1b2c3d4e5f', last.join('')), STREAMS);
    expect(output.next()).toBeUndefined();
    const result = output.result();
    expect(result.status).toBe(3);
    expect(result.stdout.equals(stdout)).toBe(true);
    expect(result.stderr.equals(stderr)).toBe(true);
  });

  it('asks for the header again when noise broke it', () => {
    const output = new ExecOutput();
    const broken =
      `:CG${TOKEN}:h:0:4:[   1.5] random: crng init done\r\n` +
      `d41d8cd98f00b204e9800998ecf8427e:0:d41d8cd98f00b204e9800998ecf8427e:\r\n1:ovd:QUJDRA==\r\n`;
    output.take(collect(TOKEN, broken), STREAMS);
    expect(output.next()).toEqual({ header: true, ranges: [] });
    const data = Buffer.from('ABCD');
    output.take(
      collect('0a1b2c3d4e5f', `:CG0a1b2c3d4e5f:h:0:4:${md5(data)}:0:${md5(Buffer.alloc(0))}:\r\n`),
      new Map(),
    );
    expect(output.next()).toBeUndefined();
    expect(output.result().stdout.toString()).toBe('ABCD');
  });
});
