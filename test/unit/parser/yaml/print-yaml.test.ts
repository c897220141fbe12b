import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { printYaml } from '../../../../src/parser/yaml/print-yaml.js';
import { cfg, shape, yaml } from './yaml-test-helpers.js';

/** Parses `.cfg` (no errors allowed) and prints it as YAML. */
function toYaml(text: string, files: Readonly<Record<string, string>> = {}): string {
  const { ast, errors } = cfg(text, files);
  expect(errors).toEqual([]);
  return printYaml(ast);
}

describe('printYaml', () => {
  it('writes the short forms where they read back the same', () => {
    const text = [
      'images_base_dir = .cartograph/images',
      'mem = 64',
      'empty =',
      'kernel_params += " console=ttyS0"',
      'only=5',
      'if x = 1',
      'cdroms(_.*)? ?+= " unattended"',
      'variants:',
      '    - vm1:',
      '        variants:',
      '            - @tiny:',
      '    - vm2: vm1',
      '        main_vm = vm2',
      'Linux..unattended_install:',
      '    no Win7, Win8',
      '!vm1:',
      'del mem',
      'join vm1 vm2',
      'suffix _x',
      'include inc.cfg',
    ].join('\n');
    expect(toYaml(text, { 'inc.cfg': '' })).toBe(
      [
        '- images_base_dir: .cartograph/images',
        '- mem: 64',
        '- empty:',
        '- kernel_params +=: " console=ttyS0"',
        '- only =: 5',
        '- if x =: 1',
        '- cdroms(_.*)? ?+=: " unattended"',
        '- variants:',
        '    - vm1:',
        '        - variants:',
        '            - "@tiny":',
        '    - vm2:',
        '        deps: vm1',
        '        body:',
        '          - main_vm: vm2',
        '- if Linux..unattended_install:',
        '    - no: Win7, Win8',
        '- if not vm1:',
        '- del: mem',
        '- join: vm1, vm2',
        '- suffix: _x',
        '- include: inc.cfg',
        '',
      ].join('\n'),
    );
  });

  it('writes block headers', () => {
    expect(toYaml('variants os:\n    - a:')).toBe(
      '- variants:\n    name: os\n    variants:\n      - a:\n',
    );
    expect(toYaml('variants [default=a.b]:\n    - a.b:')).toBe(
      '- variants:\n    default: a.b\n    variants:\n      - a.b:\n',
    );
    expect(toYaml('variants os [x] [default=a]:\n    - a:')).toBe(
      '- variants:\n    name: os\n    meta:\n      - x\n      - default: a\n    variants:\n      - a:\n',
    );
  });

  it('quotes an empty filter, which an empty value would not be', () => {
    const printed = toYaml('only # nothing');
    expect(printed).toBe('- only: ""\n');
    expect(shape(yaml(printed).ast.statements)).toEqual(shape(cfg('only #').ast.statements));
  });

  it('keeps an empty first block of a filter word', () => {
    const printed = toYaml('only a .b');
    expect(printed).toBe('- only: a, .b\n');
    expect(shape(yaml(printed).ast.statements)).toEqual(shape(cfg('only a .b').ast.statements));
  });

  it('writes text that a YAML 1.2 reader also reads as text', () => {
    const printed = toYaml('a = "  x"\nb = #c\nc = x: y\nd = @d\ne = [1]\nf = -\n');
    const data = parseDocument(printed).toJS() as Record<string, string>[];
    expect(data).toEqual([
      { a: '  x' },
      { b: '#c' },
      { c: 'x: y' },
      { d: '@d' },
      { e: '[1]' },
      { f: '-' },
    ]);
  });

  it('writes multi-line values so that they read back the same', () => {
    for (const value of [' \n', 'a\nb', 'x\n\n', ' \nb', '\r\n']) {
      const { ast } = yaml(`- k: ${JSON.stringify(value)}\n`);
      const back = yaml(printYaml(ast)).ast.statements[0];
      expect(back?.kind === 'assign' && back.value).toBe(value);
    }
  });

  it('prints an empty file as an empty list', () => {
    expect(toYaml('')).toBe('[]\n');
    expect(yaml('[]\n').ast.statements).toEqual([]);
  });

  it('rewrites include paths when asked', () => {
    const { ast } = cfg('include a.cfg\n', { 'a.cfg': '' });
    expect(printYaml(ast, { includePath: (p) => p.replace(/\.cfg$/, '.yaml') })).toBe(
      '- include: a.yaml\n',
    );
  });
});
