/**
 * docs/cartograph-config.schema.json against the YAML form: the bundled YAML configs and the
 * YAML translations of the conformance corpus are valid, and the shapes the parser rejects
 * with CFG_YAML_SHAPE are invalid. Checked with a small validator of the schema's keywords
 * (./json-schema-subset.ts): no JSON Schema library is a dependency. YAML is read with the
 * core schema here, as editors read it (numbers, booleans and null are not strings).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nodeConfigFs } from '../../../../src/parser/config-fs.js';
import { CfgParser, type IncludeLoader } from '../../../../src/parser/parse-cfg.js';
import { printYaml } from '../../../../src/parser/yaml/print-yaml.js';
import { corpusAvailable, corpusDir } from '../../../helpers/corpus.js';
import { unsupportedKeywords, validate } from './json-schema-subset.js';
import { yaml } from './yaml-test-helpers.js';

const repo = join(import.meta.dirname, '..', '..', '..', '..');
const schema = JSON.parse(
  readFileSync(join(repo, 'docs', 'cartograph-config.schema.json'), 'utf8'),
) as Record<string, unknown>;
const check = (text: string): string[] => validate(schema, parse(text));

describe('the JSON Schema of the YAML form', () => {
  it('is draft 2020-12 and uses only keywords the test validator knows', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(unsupportedKeywords(schema)).toEqual([]);
  });

  it('accepts the bundled YAML configs', () => {
    const dir = join(repo, 'configs', 'yaml');
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(check(readFileSync(join(dir, f), 'utf8')), f).toEqual([]);
  });

  it('accepts every construct', () => {
    const text = [
      '- a: 1',
      '- b:',
      '- c: true',
      '- d +=: x',
      '- only =: 1',
      '- if x =: 1',
      '- only: a..b, c',
      '- no: [a, b]',
      '- join: [vm1, vm2]',
      '- del: k',
      '- suffix: _vm1',
      '- include: a.cfg',
      '- if a:',
      '    - k: v',
      '- if not (os=linux):',
      '- variants:',
      '    - "@a":',
      '    - 8.0.x86_64:',
      '    - b:',
      '        deps: a',
      '        default: true',
      '        body:',
      '          - k: v',
      '- variants:',
      '    name: os',
      '    default: a',
      '    meta: [x, {y: z}]',
      '    variants: [a:, b:]',
    ].join('\n');
    expect(yaml(text, { 'a.cfg': '' }).errors).toEqual([]);
    expect(check(text)).toEqual([]);
  });

  it.skipIf(!corpusAvailable)('accepts the YAML translations of the corpus', () => {
    const stub: IncludeLoader = (_abs, display) => ({ path: display, statements: [] });
    let checked = 0;
    for (const sub of ['', 'fuzz', 'real/i2n', 'real/avocado-vt-testcfg', 'real/combos']) {
      const dir = join(corpusDir, sub);
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.cfg'))) {
        const errors: unknown[] = [];
        const ast = new CfgParser({
          cwd: dir,
          fs: nodeConfigFs,
          report: (e) => errors.push(e),
          loadInclude: stub,
        }).parseText(readFileSync(join(dir, f), 'utf8'), f);
        if (errors.length > 0) continue;
        expect(check(printYaml(ast)), join(sub, f)).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it.each([
    ['a mapping as the document', 'a: 1\nb: 2\n'],
    ['a statement with two keys', '- a: 1\n  b: 2\n'],
    ['a statement that is text', '- a = 1\n'],
    ['a list as a value', '- images: [a, b]\n'],
    ['a mapping as a condition body', '- if a:\n    k: v\n'],
    ['an operator inside a key', '- x=y: 1\n'],
    ['a mapping as a filter', '- only: {a: b}\n'],
    ['an empty list of words', '- no: []\n'],
    ['an empty include', '- include:\n'],
    ['an empty variants block', '- variants: []\n'],
    ['text as a variants block', '- variants: a\n'],
    ['an unknown header key', '- variants:\n    nam: os\n    variants: [a:]\n'],
    ['a header without variants', '- variants:\n    name: os\n'],
    ['a variant without colon', '- variants:\n    - a\n'],
    ['a variant with two keys', '- variants:\n    - a:\n      b:\n'],
    ['an unknown variant key', '- variants:\n    - a:\n        k: v\n'],
    ['a bad default flag', '- variants:\n    - a: {default: maybe}\n'],
    ['a variant name with a space', '- variants:\n    - a b:\n'],
    ['a del of two names', '- del: a b\n'],
  ])('rejects %s', (_what, text) => {
    expect(check(text)).not.toEqual([]);
    expect(yaml(text).errors).not.toEqual([]);
  });
});
