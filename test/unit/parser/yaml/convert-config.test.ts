import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../../src/cli/main.js';
import type { ConfigError } from '../../../../src/errors.js';
import { convertConfig } from '../../../../src/parser/yaml/convert-config.js';

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cartograph-convert-'));
  mkdirSync(join(dir, 'inc'));
  const files: Record<string, string> = {
    'a.cfg': '# a comment\nmem = 64\ninclude inc/b.cfg\nvariants:\n    - x:\n        k += 1\n',
    'inc/b.cfg': 'this would not parse: $\n',
    'a.yaml': '- mem: 64\n- include: inc/b.cfg\n- variants:\n    - x:\n        - k +=: 1\n',
    'bad.yaml': '- mem: 64\n  cpu: 2\n- only: $\n',
    'multi.yaml': '- a: |\n    one\n    two\n',
    'missing.cfg': 'include nope.cfg\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function convert(
  path: string,
  to?: 'yaml' | 'cfg',
): { text: string | undefined; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const text = convertConfig(path, {
    cwd: dir,
    report: (e) => errors.push(e),
    ...(to === undefined ? {} : { to }),
  });
  return { text, errors };
}

describe('convertConfig', () => {
  it('prints .cfg as YAML and YAML as .cfg, without reading included files', () => {
    expect(convert('a.cfg')).toEqual({
      text: '- mem: 64\n- include: inc/b.cfg\n- variants:\n    - x:\n        - k +=: 1\n',
      errors: [],
    });
    expect(convert('a.yaml')).toEqual({
      text: 'mem = 64\ninclude inc/b.cfg\nvariants:\n    - x:\n        k += 1\n',
      errors: [],
    });
  });

  it('prints the syntax asked for', () => {
    expect(convert('a.cfg', 'cfg').text).toBe(
      'mem = 64\ninclude inc/b.cfg\nvariants:\n    - x:\n        k += 1\n',
    );
    expect(convert('a.yaml', 'yaml').text).toBe(convert('a.cfg').text);
  });

  it('reports bad input and returns nothing', () => {
    const bad = convert('bad.yaml');
    expect(bad.text).toBeUndefined();
    expect(bad.errors.map((e) => e.code)).toEqual(['CFG_YAML_SHAPE', 'CFG_UNEXPECTED_CHAR']);
    expect(convert('missing.cfg').errors.map((e) => e.code)).toEqual(['CFG_MISSING_INCLUDE']);
    expect(convert('nope.yaml').errors.map((e) => e.code)).toEqual(['CFG_READ']);
    expect(convert('multi.yaml').errors.map((e) => e.code)).toEqual(['CFG_YAML_SHAPE']);
    expect(convert('multi.yaml', 'yaml').text).toBe('- a: |\n    one\n    two\n');
  });
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr'): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out[key] += chunk.toString();
        done();
      },
    });
  const code = await main(argv, {
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    env: {},
    cwd: dir,
  });
  return { code, ...out };
}

describe('cartograph convert-config', () => {
  it('prints the translation', async () => {
    const r = await run('convert-config', 'a.cfg');
    expect(r).toEqual({ code: 0, stdout: convert('a.cfg').text, stderr: '' });
    expect((await run('convert-config', '--to', 'cfg', 'a.cfg')).stdout).toBe(
      convert('a.cfg', 'cfg').text,
    );
  });

  it('exits 2 with diagnostics on bad input', async () => {
    const r = await run('convert-config', 'bad.yaml');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('bad.yaml:2:3: a statement is a mapping with one key');
    expect(r.stderr).toContain('[CFG_UNEXPECTED_CHAR]');
    expect(r.stderr).toContain('3 | - only: $');
  });

  it('exits 2 on a wrong command line', async () => {
    expect((await run('convert-config')).code).toBe(2);
    expect((await run('convert-config', 'a.cfg', 'b.cfg')).code).toBe(2);
    expect((await run('convert-config', '--to', 'json', 'a.cfg')).code).toBe(2);
    expect((await run('convert-config', '--nope', 'a.cfg')).code).toBe(2);
  });

  it('has help, and is listed in the main help', async () => {
    const help = await run('convert-config', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: cartograph convert-config/);
    expect((await run('--help')).stdout).toContain('convert-config FILE');
  });

  it('lets params read YAML configs', async () => {
    const r = await run('params', '--format', 'jsonl', 'a.yaml');
    expect(r.code).toBe(2); // inc/b.cfg does not parse: params follows includes
    expect(r.stderr).toContain('inc/b.cfg:1:');
    writeFileSync(join(dir, 'ok.yaml'), '- include: inc/ok.cfg\n- only: x\n');
    writeFileSync(join(dir, 'inc/ok.cfg'), 'variants:\n    - x:\n    - y:\n');
    const ok = await run('params', 'ok.yaml');
    expect(ok).toEqual({ code: 0, stdout: 'dict    1:  x\n', stderr: '' });
  });
});
