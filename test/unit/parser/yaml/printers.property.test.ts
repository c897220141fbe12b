/**
 * Property: for any assignment (key, operator, value), each printer either refuses it with
 * CFG_YAML_SHAPE or writes text that its parser reads back to exactly that assignment.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import type { AstFile } from '../../../../src/parser/ast.js';
import type { Operator } from '../../../../src/parser/lexer.js';
import { printCfg } from '../../../../src/parser/yaml/print-cfg.js';
import { printYaml } from '../../../../src/parser/yaml/print-yaml.js';
import { cfg, shape, yaml } from './yaml-test-helpers.js';

const OPS: readonly Operator[] = ['=', '+=', '<=', '~=', '?=', '?+=', '?<='];
/** Characters that matter to the line rules, and some ordinary ones. */
const CHARS = [
  'a',
  'b',
  'o',
  'n',
  'l',
  'y',
  'i',
  'f',
  'x',
  '_',
  '-',
  '.',
  ' ',
  '  ',
  '\t',
  '\n',
  '\f',
  '\u00a0',
  '\ufeff',
  '=',
  '+',
  '<',
  '?',
  '~',
  ':',
  '#',
  '/',
  '"',
  "'",
  '(',
  ')',
  '[',
  '@',
  '$',
  '{',
  '}',
  '*',
  '!',
  '|',
  '>',
  ',',
  '%',
  'é',
  '\u2028',
  'only ',
  'no ',
  'include ',
  'variants',
  'if ',
  'not ',
  '- ',
];
const text = fc.array(fc.constantFrom(...CHARS), { maxLength: 8 }).map((parts) => parts.join(''));

function assignment(key: string, op: Operator, value: string): AstFile {
  const line = { text: '', indent: 0, linenum: 1, raw: '', start: 0 };
  return {
    path: 't',
    statements: [{ kind: 'assign', key, op, value, src: { file: 't', line } }],
  };
}

function refusedOr(print: () => string, check: (printed: string) => void): void {
  let printed: string;
  try {
    printed = print();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('CFG_YAML_SHAPE');
    return;
  }
  check(printed);
}

describe('printers on arbitrary assignments', () => {
  it('printCfg refuses or round-trips', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(...OPS), text, (key, op, value) => {
        const ast = assignment(key, op, value);
        refusedOr(
          () => printCfg(ast),
          (printed) => {
            const back = cfg(printed);
            expect(back.errors).toEqual([]);
            expect(shape(back.ast.statements)).toEqual(shape(ast.statements));
          },
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('printYaml refuses or round-trips', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(...OPS), text, (key, op, value) => {
        const ast = assignment(key, op, value);
        refusedOr(
          () => printYaml(ast),
          (printed) => {
            const back = yaml(printed);
            expect(back.errors).toEqual([]);
            expect(shape(back.ast.statements)).toEqual(shape(ast.statements));
          },
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('printYaml accepts every key the .cfg parser can produce', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(...OPS), text, (key, op, value) => {
        // Only assignments that come out of a .cfg line.
        const parsed = cfg(`${key} ${op} ${value}`);
        const [st] = parsed.ast.statements;
        if (parsed.errors.length > 0 || st?.kind !== 'assign' || parsed.ast.statements.length !== 1)
          return;
        const back = yaml(printYaml(parsed.ast));
        expect(back.errors).toEqual([]);
        expect(shape(back.ast.statements)).toEqual(shape(parsed.ast.statements));
        expect(shape(cfg(printCfg(back.ast)).ast.statements)).toEqual(shape(parsed.ast.statements));
      }),
      { numRuns: 3000 },
    );
  });
});
