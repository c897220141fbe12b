import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

function dir(files: Record<string, string>): string {
  const d = tempDir('cartograph-cli-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const CFG = `base = 1
variants:
    - a:
        k = a
    - b:
        k = b
`;

describe('cartograph params', () => {
  it('lists dicts like the reference CLI', async () => {
    const r = await runCli(['params', 'x.cfg'], dir({ 'x.cfg': CFG }));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('dict    1:  a\ndict    2:  b\n');
  });

  it('prints contents with -c, sorted, lists and maps as Python prints them', async () => {
    const r = await runCli(['params', '-c', 'x.cfg', 'only b'], dir({ 'x.cfg': CFG }));
    expect(r.stdout).toBe(
      [
        'dict    1:  b',
        "    _name_map_file = {'x.cfg': 'b'}",
        "    _short_name_map_file = {'x.cfg': 'b'}",
        '    base = 1',
        '    dep = []',
        '    k = b',
        '    name = b',
        '    shortname = b',
        '',
      ].join('\n'),
    );
  });

  it('applies --only, --no and --assign after the file, in that order', async () => {
    const r = await runCli(
      [
        'params',
        '--format',
        'jsonl',
        '--assign',
        'k=${name}!',
        '--only',
        'a,b',
        '--no',
        'b',
        'x.cfg',
      ],
      dir({ 'x.cfg': CFG }),
    );
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as Record<string, unknown>).k),
    ).toEqual(['a!']);
  });

  it('prints objects and object params', async () => {
    const d = dir({ 'o.cfg': 'images = b a b\nimage_size = 1G\nimage_size_b = 2G\n' });
    expect((await runCli(['params', '--objects', 'images', 'o.cfg'], d)).stdout).toBe(
      '["b","a"]\n',
    );
    const p = await runCli(['params', '--format', 'jsonl', '--object-params', 'b', 'o.cfg'], d);
    expect((JSON.parse(p.stdout) as Record<string, string>).image_size).toBe('2G');
  });

  it('reports a syntax error with file, line, column, source line and caret, exit 2', async () => {
    const r = await runCli(['params', 'bad.cfg'], dir({ 'bad.cfg': 'k = 1\nonly a...b\n' }));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'bad.cfg:2:10: too many dots before "b": use "." (immediately followed by) or ".." (and) [CFG_SYNTAX]',
        '  |',
        '2 | only a...b',
        '  |          ^',
        '',
      ].join('\n'),
    );
  });

  it('with --format jsonl prints the dicts before an expansion error, then the error', async () => {
    const cfg =
      'variants:\n    - fine:\n        mem = 1\n    - broken:\n        mem = lots\nmem_max = 2\n';
    const r = await runCli(['params', '--format', 'jsonl', 'm.cfg'], dir({ 'm.cfg': cfg }));
    expect(r.code).toBe(2);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]?.name).toBe('fine');
    expect((lines[1]?.error as Record<string, unknown>).code).toBe('CFG_NOT_NUMERIC');
  });

  it('names the chain of files of an include loop', async () => {
    const d = dir({ 'a.cfg': 'include b.cfg\n', 'b.cfg': 'include a.cfg\n' });
    const r = await runCli(['params', 'a.cfg'], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('include loop: a.cfg -> b.cfg -> a.cfg [CFG_INCLUDE_LOOP]');
    expect(r.stderr).toContain('a.cfg:1:1: note: included from here');
  });

  it('reports every independent error of a file at once', async () => {
    const r = await runCli(['params', 'e.cfg'], dir({ 'e.cfg': 'only a..,b\nk = 1\ndel a.b\n' }));
    expect(r.code).toBe(2);
    expect(r.stderr.match(/\[CFG_SYNTAX\]/g)).toHaveLength(2);
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await runCli(['params'], dir({}))).code).toBe(2);
    expect((await runCli(['params', '--format', 'xml', 'x.cfg'], dir({ 'x.cfg': CFG }))).code).toBe(
      2,
    );
    expect((await runCli(['params', '--bogus', 'x.cfg'], dir({ 'x.cfg': CFG }))).code).toBe(2);
    expect((await runCli(['nosuchcommand'], dir({}))).code).toBe(2);
  });
});

describe('cartograph list / graph', () => {
  const OBJECTS =
    'vms = vm1 vm2\nimages = image1\nvariants:\n    - vm1:\n        image_name = vm1\n    - vm2:\n        image_name = vm2\n';
  const NODES =
    'variants:\n    - install:\n        set_state_images = install\n    - check:\n        vms = vm1 vm2\n        get_state_images = install\n';

  it('lists the selected tests and the setup nodes they pull in', async () => {
    const d = dir({ 'o.cfg': OBJECTS, 'n.cfg': NODES });
    const r = await runCli(['list', '--objects', 'o.cfg', '--nodes', 'n.cfg', '--json'], d);
    expect(r.code).toBe(0);
    const ids = (JSON.parse(r.stdout) as { id: string }[]).map((n) => n.id);
    expect(ids).toEqual(['install@vm1', 'install@vm2', 'check@vm1,vm2']);
  });

  it('exports dot', async () => {
    const d = dir({ 'o.cfg': OBJECTS, 'n.cfg': NODES });
    const r = await runCli(['graph', '--objects', 'o.cfg', '--nodes', 'n.cfg'], d);
    expect(r.stdout).toContain('"install@vm1" -> "check@vm1,vm2" [label="install"];');
  });

  it('reports a missing producer as a config error with exit code 2', async () => {
    const d = dir({
      'o.cfg': OBJECTS,
      'n.cfg': NODES.replace('get_state_images = install', 'get_state_images = nope'),
    });
    const r = await runCli(['list', '--objects', 'o.cfg', '--nodes', 'n.cfg'], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[GRAPH_NO_PRODUCER]');
    expect(r.stderr).toContain('n.cfg:6:');
  });
});
