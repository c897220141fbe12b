import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/report/format-diagnostic.js';
import { cfg, dicts, parseErrors, shape, yaml } from './yaml-test-helpers.js';

/** [what, .cfg text, YAML text that must give the same syntax tree]. */
const SAME: readonly (readonly [string, string, string])[] = [
  ['a plain assignment', 'image_size = 10G', '- image_size: 10G'],
  [
    'scalars are text as written',
    'a = 064\nb = yes\nc = ~\nd = 1.0\ne = null\nf = 0x10',
    '- a: 064\n- b: yes\n- c: ~\n- d: 1.0\n- e: null\n- f: 0x10',
  ],
  ['an empty value', 'a =\nb = ""', '- a:\n- b: ""'],
  [
    'every operator',
    'a = 1\nb += x\nc <= y\nd ~= z\ne.* ?= 1\nf(_.*)? ?+= 2\ng ?<= 3',
    '- a =: 1\n- b +=: x\n- c <=: y\n- d ~=: z\n- e.* ?=: 1\n- "f(_.*)? ?+=": 2\n- g ?<=: 3',
  ],
  ['an operator without space, found leftmost', 'a<+=x\nb += y', '- a<+=: x\n- b+=: y'],
  [
    'keys that are keywords',
    'only=1\nno=2\ndel=3\nsuffix=4\njoin=5\ninclude=6\nvariants=7',
    '- only =: 1\n- no =: 2\n- del =: 3\n- suffix =: 4\n- join =: 5\n- include =: 6\n- variants =: 7',
  ],
  [
    'keys that merely start with keywords',
    'only_vm1 = CentOS\nno_vm2 = Win7\nvariantsX = v\nif = 1',
    '- only_vm1: CentOS\n- no_vm2: Win7\n- variantsX: v\n- if: 1',
  ],
  ['a key starting with "if "', 'if x = 1', '- if x =: 1'],
  [
    'keys with spaces and regex characters',
    'with space = v\nimage_name_vm[0-9] ?+= .qcow2\n(os = linux):',
    '- with space: v\n- image_name_vm[0-9] ?+=: .qcow2\n- (os: "linux):"',
  ],
  [
    'values with #, quotes and spaces',
    "a = x # y\nb = \"quoted\"\nc = ''x''\nd = \"  padded  \"\ne = it's",
    '- a: "x # y"\n- b: quoted\n- c: "\'x\'"\n- d: "  padded  "\n- e: it\'s',
  ],
  ['del', 'del image_size', '- del: image_size'],
  [
    'only and no, as text and as a list of words',
    'only Linux..unattended_install, boot\nno Win7 Win8\nonly (os=linux).a',
    '- only: Linux..unattended_install, boot\n- no: [Win7, Win8]\n- only: (os=linux).a',
  ],
  [
    'filter quirks (trailing dots, an empty block)',
    'only b, a..\nno a .b',
    '- only: b, a..\n- no: a .b',
  ],
  [
    'conditions and negative conditions',
    'Linux..unattended_install:\n    k = v\n!Windows:\n    k2 = v2',
    '- if Linux..unattended_install:\n    - k: v\n- if not Windows:\n    - k2: v2',
  ],
  ['a condition on a label named "not"', 'not:\n    k = v', '- if not:\n    - k: v'],
  ['inline and nested conditions', 'a: b: k = v', '- if a:\n    - if b:\n        - k: v'],
  ['an empty condition', 'a:\nx = 1', '- if a:\n- x: 1'],
  ['join', 'join vm1 vm2', '- join: vm1 vm2'],
  ['join with a list of operands', 'join vm1 vm2', '- join: [vm1, vm2]'],
  ['suffix', 'suffix _vm1', '- suffix: _vm1'],
  [
    'unnamed variants',
    'variants:\n    - a:\n        x = 1\n    - b:',
    '- variants:\n    - a:\n        - x: 1\n    - b:',
  ],
  [
    'a named block with a default and other meta data',
    'variants os [default=fedora] [foo] [bar=a.b]:\n    - fedora:\n    - ubuntu:',
    '- variants:\n    name: os\n    default: fedora\n    meta: [foo, {bar: a.b}]\n    variants:\n      - fedora:\n      - ubuntu:',
  ],
  [
    'meta data in the order written',
    'variants [x] [default=b]:\n    - a:\n    - b:',
    '- variants:\n    meta: [x, {default: b}]\n    variants:\n      - a:\n      - b:',
  ],
  [
    '@ defaults and default: true',
    'variants:\n    - @a:\n    - @b:',
    '- variants:\n    - "@a":\n    - b: {default: true}',
  ],
  [
    'dotted and empty variant names',
    'variants:\n    - 8.0.x86_64:\n    - @.a:\n    - @:',
    '- variants:\n    - 8.0.x86_64:\n    - "@.a":\n    - "@":',
  ],
  [
    'deps',
    'variants:\n    - a:\n    - b: a c\n        k = v',
    '- variants:\n    - a:\n    - b:\n        deps: [a, c]\n        body:\n          - k: v',
  ],
  [
    'variants nested in a variant',
    'variants:\n    - a:\n        variants:\n            - x:\n            - y:\n        k = 1',
    '- variants:\n    - a:\n        - variants:\n            - x:\n            - y:\n        - k: 1',
  ],
  [
    'include of .cfg and YAML',
    'include inc/a.cfg\ninclude inc/b.yaml',
    '- include: inc/a.cfg\n- include: inc/b.yaml',
  ],
  ['anchors and aliases', 'k = v\nk = v', '- &s {k: v}\n- *s'],
  ['an empty document', '', '# nothing here\n'],
];

describe('parseYaml gives the syntax tree of the same .cfg', () => {
  const files = { 'inc/a.cfg': 'a = 1\n', 'inc/b.yaml': '- b: 2\n' };
  for (const [what, cfgText, yamlText] of SAME) {
    it(what, () => {
      const c = cfg(cfgText, files);
      const y = yaml(yamlText, files);
      expect(c.errors).toEqual([]);
      expect(y.errors).toEqual([]);
      expect(shape(y.ast.statements)).toEqual(shape(c.ast.statements));
    });
  }

  it('points each statement at its YAML line and column', () => {
    const { ast } = yaml('- a: 1\n- variants:\n    - x:\n        - if x:\n            - b: 2\n');
    const [a, v] = ast.statements;
    expect(a?.src.file).toBe('t.yaml');
    expect(a?.src.line.linenum).toBe(1);
    expect(v?.kind === 'variants' && v.src.line.linenum).toBe(2);
    const variant = v?.kind === 'variants' ? v.variants[0] : undefined;
    expect(variant?.src.line.linenum).toBe(3);
    const cond = variant?.body[0];
    expect(cond?.src.line.linenum).toBe(4);
    expect(cond?.kind === 'cond' && cond.body[0]?.src.line.linenum).toBe(5);
    expect(cond?.kind === 'cond' && cond.body[0]?.src.line.start).toBe(14);
  });
});

describe('YAML configs give the dicts of the same .cfg', () => {
  it('with includes in both directions', () => {
    const files = {
      'main.yaml': '- include: inc/objects.cfg\n- only: vm2\n- if fedora:\n    - mem +=: 0\n',
      'inc/objects.cfg': 'mem = 64\nvariants:\n    - vm1:\n    - vm2:\n        include more.yaml\n',
      'inc/more.yaml':
        '- variants:\n    name: os\n    variants:\n      - fedora:\n      - ubuntu:\n',
      'main.cfg': 'include inc/objects.cfg\nonly vm2\nfedora:\n    mem += 0\n',
    };
    const fromYaml = dicts(files, 'main.yaml');
    expect(fromYaml).toEqual(dicts(files, 'main.cfg'));
    expect(fromYaml).toHaveLength(2);
    expect(fromYaml[0]).toMatchObject({ name: 'vm2.(os=fedora)', mem: '640', os: 'fedora' });
    expect(fromYaml[0]).toMatchObject({
      _name_map_file: { 'objects.cfg': 'vm2', 'more.yaml': '(os=fedora)' },
    });
  });

  it('accepts .yml', () => {
    expect(dicts({ 'a.yml': '- k: v\n' }, 'a.yml')).toEqual([
      { name: '', shortname: '', dep: [], k: 'v' },
    ]);
  });

  it('keeps line breaks and outer spaces of values', () => {
    const [d] = dicts({ 'a.yaml': '- a: |\n    one\n    two\n- b: " x "\n' }, 'a.yaml');
    expect(d).toMatchObject({ a: 'one\ntwo\n', b: ' x ' });
  });
});

/** The first error of `text`: its code and `line:column`. */
function firstError(text: string, files: Readonly<Record<string, string>> = {}): string {
  const { errors } = yaml(text, files);
  const e = errors[0];
  return e === undefined ? 'no error' : `${e.code} ${e.location?.line}:${e.location?.column}`;
}

describe('errors in YAML configs', () => {
  it.each([
    ['a YAML syntax error', '- a: [1\n- b: 2\n', 'CFG_YAML_SYNTAX'],
    ['a duplicate key', '- {a: 1, a: 2}\n', 'CFG_YAML_SYNTAX 1:10'],
    ['an unknown tag', '- a: !!int 5\n', 'CFG_YAML_SYNTAX 1:6'],
    ['an unknown alias', '- a: *nope\n', 'CFG_YAML_SYNTAX 1:6'],
    ['several documents', '- a: 1\n---\n- b: 2\n', 'CFG_YAML_SYNTAX'],
    ['a mapping as the document', 'a: 1\nb: 2\n', 'CFG_YAML_SHAPE 1:1'],
    ['text as the document', 'a = 1\n', 'CFG_YAML_SHAPE 1:1'],
    ['a statement with two keys', '- a: 1\n  b: 2\n', 'CFG_YAML_SHAPE 2:3'],
    ['a statement that is text', '- a = 1\n', 'CFG_YAML_SHAPE 1:3'],
    ['a list as a value', '- images: [a, b]\n', 'CFG_YAML_SHAPE 1:11'],
    ['a mapping as a condition body', '- if a:\n    k: v\n', 'CFG_YAML_SHAPE 2:5'],
    ['text as a condition body', '- if a: k\n', 'CFG_YAML_SHAPE 1:9'],
    ['an operator inside a key', '- "x=y": 1\n', 'CFG_YAML_SHAPE 1:5'],
    ['a line break in a key', '- "a\\nb": 1\n', 'CFG_YAML_SHAPE 1:3'],
    ['a recursive alias', '- &a {if x: [*a]}\n', 'CFG_YAML_SHAPE'],
    ['an empty only', '- only:\n', 'CFG_YAML_SHAPE'],
    ['an empty list of words', '- no: []\n', 'CFG_YAML_SHAPE 1:7'],
    ['a mapping as a filter', '- only: {a: b}\n', 'CFG_YAML_SHAPE 1:9'],
    ['a list in a list of words', '- only: [a, [b]]\n', 'CFG_YAML_SHAPE 1:13'],
    ['a bad character in a filter', '- only: a b$\n', 'CFG_UNEXPECTED_CHAR 1:12'],
    ['a bad character in a quoted filter', '- only: "a, b$"\n', 'CFG_UNEXPECTED_CHAR 1:14'],
    ['a filter syntax error', '- only: [a, "b..,c"]\n', 'CFG_SYNTAX 1:17'],
    ['an unterminated quote in a filter', '- no: a"b\n', 'CFG_UNTERMINATED_QUOTE 1:8'],
    ['whitespace in a condition', '- if a b:\n', 'CFG_SYNTAX 1:8'],
    ['"!" in a condition', '- if !a:\n', 'CFG_SYNTAX 1:6'],
    ['a condition without filter', '- "if  ":\n', 'CFG_SYNTAX 1:3'],
    ['del of two names', '- del: a b\n', 'CFG_SYNTAX 1:10'],
    ['del of a dotted name', '- del: a.b\n', 'CFG_SYNTAX 1:9'],
    ['a suffix with a space', '- suffix: _a b\n', 'CFG_SYNTAX 1:13'],
    ['an include without path', '- include:\n', 'CFG_YAML_SHAPE 1:11'],
    ['a missing include', '- include: nope.cfg\n', 'CFG_MISSING_INCLUDE 1:12'],
    [
      'variants in a condition',
      '- if a:\n    - variants:\n        - x:\n',
      'CFG_VARIANTS_IN_CONDITION 2:7',
    ],
    ['an empty variants block', '- variants: []\n', 'CFG_YAML_SHAPE 1:13'],
    ['text as a variants block', '- variants: a\n', 'CFG_YAML_SHAPE 1:13'],
    [
      'an unknown header key',
      '- variants:\n    nam: os\n    variants: [a:]\n',
      'CFG_YAML_SHAPE 2:5',
    ],
    ['a header without variants', '- variants:\n    name: os\n', 'CFG_YAML_SHAPE 2:5'],
    [
      'a block name of two words',
      '- variants:\n    name: a b\n    variants: [x:]\n',
      'CFG_SYNTAX 2:13',
    ],
    ['a variant without colon', '- variants:\n    - a\n', 'CFG_YAML_SHAPE 2:7'],
    ['a variant name with a space', '- variants:\n    - a b:\n', 'CFG_SYNTAX 2:8'],
    ['a variant name with a colon', '- variants:\n    - "a:b":\n', 'CFG_SYNTAX 2:9'],
    ['a variant with two keys', '- variants:\n    - a:\n      b:\n', 'CFG_YAML_SHAPE 3:7'],
    ['a variant body as a mapping', '- variants:\n    - a:\n        k: v\n', 'CFG_YAML_SHAPE 3:9'],
    ['a variant body as text', '- variants:\n    - a: k\n', 'CFG_YAML_SHAPE 2:10'],
    ['a bad default flag', '- variants:\n    - a: {default: yes}\n', 'CFG_YAML_SHAPE 2:20'],
    ['bad deps', '- variants:\n    - a: {deps: "b$"}\n', 'CFG_UNEXPECTED_CHAR 2:19'],
    [
      '[default] without value',
      '- variants:\n    meta: [default]\n    variants: [a:]\n',
      'CFG_SYNTAX 2:12',
    ],
    [
      'a "]" in meta data',
      '- variants:\n    meta: [{x: "a]"}]\n    variants: [a:]\n',
      'CFG_SYNTAX 2:18',
    ],
    [
      'a default that matches nothing',
      '- variants:\n    default: nope\n    variants: [a:]\n',
      'CFG_MISSING_DEFAULT 2:14',
    ],
  ])('%s', (_what, text, expected) => {
    expect(firstError(text, { 'inc.yaml': '- a: 1\n' })).toMatch(
      new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
  });

  it('reports every independent error and keeps the good statements', () => {
    const { ast, errors } = yaml(
      '- a: 1\n- only: $\n- b: 2\n- del: x y\n- variants:\n    - "@":\n    - b c:\n    - d:\n',
    );
    expect(errors.map((e) => e.code)).toEqual(['CFG_UNEXPECTED_CHAR', 'CFG_SYNTAX', 'CFG_SYNTAX']);
    expect(ast.statements.map((s) => s.kind)).toEqual(['assign', 'assign', 'variants']);
    const v = ast.statements[2];
    expect(v?.kind === 'variants' && v.variants.map((x) => x.raw.join(''))).toEqual(['', 'd']);
  });

  it('stops after YAML syntax errors, reporting all of them', () => {
    const { ast, errors } = yaml('- a: [1\n- {b: 1, b: 2}\n');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.every((e) => e.code === 'CFG_YAML_SYNTAX')).toBe(true);
    expect(ast.statements).toEqual([]);
  });

  it('says what was expected', () => {
    const { errors } = yaml('- a: 1\n  b: 2\n- variants:\n    - x:\n        k: v\n');
    expect(errors[0]?.message).toMatch(/one key/);
    expect(errors[0]?.hint).toMatch(/- /);
    expect(errors[1]?.message).toMatch(/unknown key "k" in variant "x"/);
    expect(errors[1]?.hint).toMatch(/deps.*default.*body/);
  });

  it('prints the YAML line with a caret under the column', () => {
    const { errors } = yaml('- mem: 64\n- only: vm1 vm2$\n');
    expect(formatDiagnostic(errors[0])).toBe(
      [
        't.yaml:2:16: unexpected character "$"; special characters are allowed only in the value of an assignment [CFG_UNEXPECTED_CHAR]',
        '  |',
        '2 | - only: vm1 vm2$',
        '  |                ^',
        '',
      ].join('\n'),
    );
  });

  it('names the include chain of an error in an included file', () => {
    const errors = parseErrors(
      { 'main.cfg': 'x = 1\ninclude sub/a.yaml\n', 'sub/a.yaml': '- a: 1\n- only: $\n' },
      'main.cfg',
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]?.location).toMatchObject({ file: 'sub/a.yaml', line: 2, column: 9 });
    expect(errors[0]?.related[0]?.location).toMatchObject({ file: 'main.cfg', line: 2 });
  });

  it('finds include loops through both syntaxes', () => {
    const errors = parseErrors(
      { 'a.yaml': '- include: b.cfg\n', 'b.cfg': 'include a.yaml\n' },
      'a.yaml',
    );
    expect(errors.map((e) => e.code)).toEqual(['CFG_INCLUDE_LOOP']);
    expect(errors[0]?.location).toMatchObject({ file: 'b.cfg', line: 1 });
  });

  it('reports a missing default at the default, and one per block', () => {
    const errors = parseErrors(
      { 'a.yaml': '- variants:\n    meta: [{default: x}, {default: a}]\n    variants: [a:, b:]\n' },
      'a.yaml',
    );
    expect(errors.map((e) => `${e.code} ${e.location?.line}:${e.location?.column}`)).toEqual([
      'CFG_MISSING_DEFAULT 2:22',
    ]);
  });

  it('places errors found while expanding at the YAML statement', () => {
    const files = {
      'a.yaml': '- variants:\n    - a:\n        - x: 1\n    - b:\n- if b:\n    - "x( ?=": 2\n',
    };
    let error: unknown;
    try {
      dicts(files, 'a.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'CFG_BAD_REGEX',
      location: { file: 'a.yaml', line: 6, column: 7 },
    });
  });
});
