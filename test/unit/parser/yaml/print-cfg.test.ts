import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import type { AstFile } from '../../../../src/parser/ast.js';
import { printCfg } from '../../../../src/parser/yaml/print-cfg.js';
import { cfg, shape, yaml } from './yaml-test-helpers.js';

/** Parses YAML (no errors allowed) and prints it as `.cfg`. */
function toCfg(text: string, files: Readonly<Record<string, string>> = {}): string {
  const { ast, errors } = yaml(text, files);
  expect(errors).toEqual([]);
  return printCfg(ast);
}

describe('printCfg', () => {
  it('writes the usual constructs the usual way', () => {
    expect(
      toCfg(
        [
          '- mem: 64',
          '- image_size +=: 10G',
          '- del: x',
          '- only: a..b, c',
          '- variants:',
          '    name: os',
          '    default: b',
          '    variants:',
          '      - a:',
          '          - k: v',
          '          - if a:',
          '              - x: 1',
          '      - "@b":',
          '          deps: a',
          '- if not a:',
          '    - suffix: _s',
          '- join: [a, b]',
          '- include: inc.yaml',
        ].join('\n'),
        { 'inc.yaml': '' },
      ),
    ).toBe(
      [
        'mem = 64',
        'image_size += 10G',
        'del x',
        'only a..b, c',
        'variants os [default=b]:',
        '    - a:',
        '        k = v',
        '        a:',
        '            x = 1',
        '    - @b: a',
        '!a:',
        '    suffix _s',
        'join a, b',
        'include inc.yaml',
        '',
      ].join('\n'),
    );
  });

  it('writes what the .cfg parser reads back to the same tree', () => {
    const text = [
      '- only =: 1',
      '- no +=: 2',
      '- del =: 3',
      '- suffix =: 4',
      '- join =: 5',
      '- include =: 6',
      '- variants =: 7',
      '- if x =: 8',
      '- a< +=: 9',
      '- k? =: 10',
      '- with space: v',
      '- "": the empty key',
      '- "\\ufeffk": bom',
      '- padded: "  x  "',
      '- dq: \'"q"\'',
      "- lone: '\"'",
      '- sq: "\'"',
      "- mixed: 'x\"'",
      '- hash: "a # b"',
      '- colon: ":x"',
      '- empty: ""',
      '- if a:',
      '    - "# note": inline',
      '    - if b:',
      '        - "// also": inline',
      '- only: ""',
      '- no: a .b',
      '- variants:',
      '    name: v',
      '    meta: [x, {default: a}, {k: \'"a b"c\'}, {z: a+b=c}, {e: ""}, {q: "\\"\\""}]',
      '    variants:',
      '      - a.b:',
      '      - "@.":',
      '      - "@":',
      '      - c: {deps: "a, (v=a).b"}',
    ].join('\n');
    const { ast, errors } = yaml(text);
    expect(errors).toEqual([]);
    const printed = printCfg(ast);
    const back = cfg(printed);
    expect(back.errors).toEqual([]);
    expect(shape(back.ast.statements)).toEqual(shape(ast.statements));
    expect(printed).toContain('only= 1\n');
    expect(printed).toContain('a: # note = inline\n');
    expect(printed).toContain('padded = "  x  "\n');
    expect(printed).toContain('only #\n');
  });

  it.each([
    ['a line break in a value', '- a: "x\\ny"'],
    ['a tab in a value', '- a: "x\\ty"'],
    ['a tab in a key', '- "a\\tb": 1'],
    ['a colon in a key', '- "a:b": 1'],
    ['a key starting with "-"', '- "-a": 1'],
    ['a key starting with a keyword and a space', '- "only x": 1'],
    ['a comment-like key outside a condition', '- "# k": 1'],
    ['a comment-like key after the first statement', '- if a:\n    - x: 1\n    - "# k": 2'],
    ['a condition on a named label', '- if (os=linux):\n    - a: 1'],
    ['a negative condition on a named label', '- if not a, (os=linux):'],
    ['a condition starting with "-"', '- if -a:'],
    ['a condition on "variants"', '- if variants:'],
  ])('reports %s as not writable in .cfg', (_what, text) => {
    const { ast, errors } = yaml(text);
    expect(errors).toEqual([]);
    let error: unknown;
    try {
      printCfg(ast);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CFG_YAML_SHAPE', location: { file: 't.yaml' } });
  });

  it('leaves out a variants block without variants', () => {
    const ast: AstFile = {
      path: 't.cfg',
      statements: [
        {
          kind: 'variants',
          name: '',
          meta: [],
          variants: [],
          src: { file: 't.cfg', line: { text: '', indent: 0, linenum: 1, raw: '', start: 0 } },
        },
      ],
    };
    expect(printCfg(ast)).toBe('');
  });

  it('rewrites include paths when asked', () => {
    const { ast } = yaml('- include: a.yaml\n', { 'a.yaml': '' });
    expect(printCfg(ast, { includePath: (p) => p.replace(/\.yaml$/, '.cfg') })).toBe(
      'include a.cfg\n',
    );
  });
});
