import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote, shellQuoteWord } from '../../../src/guest/index.js';

/** What a real POSIX shell makes of a quoted command line: its words, NUL-separated. */
function splitByShell(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('leaves plain words alone and single-quotes the rest', () => {
    expect(shellQuote(['ls', '-l', '/tmp/a_b.c', 'x@y:1,2+3%'])).toBe(
      'ls -l /tmp/a_b.c x@y:1,2+3%',
    );
    expect(shellQuote(['a b', '$HOME', ''])).toBe(`'a b' '$HOME' ''`);
    expect(shellQuoteWord("it's")).toBe(`'it'\\''s'`);
    // `A=B` first would be an assignment; `~` would expand.
    expect(shellQuote(['A=B', '~'])).toBe(`'A=B' '~'`);
  });

  it('gives back exactly the words through a real shell', () => {
    const words = [
      'a b',
      '$HOME',
      '${x:-y}',
      '$(id)',
      '`id`',
      "it's",
      '"double"',
      'back\\slash',
      'new\nline',
      'tab\there',
      '*',
      '?',
      '[a]',
      '{a,b}',
      '~root',
      '!',
      '#not a comment',
      ';&|<>()',
      "''",
      'ünïcödé',
      '',
      '-n',
    ];
    expect(splitByShell(shellQuote(words))).toEqual(words);
    for (const word of words) expect(splitByShell(shellQuoteWord(word))).toEqual([word]);
  });
});
