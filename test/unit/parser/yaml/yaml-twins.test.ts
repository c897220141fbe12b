/**
 * The YAML twins shown to users yield the dicts of their `.cfg` originals: the bundled
 * configs/yaml/ suite and the side-by-side example of docs/yaml-config.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CartesianConfig } from '../../../../src/parser/cartesian-config.js';
import { dictToJson } from '../../../../src/parser/dict.js';
import { cfg, dicts, shape, yaml } from './yaml-test-helpers.js';

const repo = join(import.meta.dirname, '..', '..', '..', '..');

/** Map-file keys name the file a variant is written in; only the extension differs. */
function sameFileNames(d: unknown): unknown {
  return JSON.parse(JSON.stringify(d).replace(/\.yaml"/g, '.cfg"')) as unknown;
}

describe('YAML twins', () => {
  it('configs/yaml/objects.yaml is configs/objects.cfg', () => {
    const run = (file: string): unknown[] => {
      const config = new CartesianConfig({ cwd: repo });
      config.parseFile(file);
      return [...config.dicts()].map((d) => sameFileNames(dictToJson(d)));
    };
    const fromCfg = run('configs/objects.cfg');
    expect(fromCfg.length).toBeGreaterThan(0);
    expect(run('configs/yaml/objects.yaml')).toEqual(fromCfg);
    const read = (p: string): string => readFileSync(join(repo, p), 'utf8');
    expect(shape(yaml(read('configs/yaml/objects.yaml')).ast.statements)).toEqual(
      shape(cfg(read('configs/objects.cfg')).ast.statements),
    );
  });

  it('configs/yaml/nodes.yaml is configs/nodes.cfg', () => {
    const run = (file: string): unknown[] => {
      const config = new CartesianConfig({ cwd: repo });
      config.parseFile(file);
      return [...config.dicts()].map((d) => sameFileNames(dictToJson(d)));
    };
    const fromCfg = run('configs/nodes.cfg');
    expect(fromCfg.length).toBeGreaterThan(0);
    expect(run('configs/yaml/nodes.yaml')).toEqual(fromCfg);
  });

  it('the side-by-side example of docs/yaml-config.md', () => {
    const doc = readFileSync(join(repo, 'docs', 'yaml-config.md'), 'utf8');
    const table = doc.slice(doc.indexOf('<table>'), doc.indexOf('</table>'));
    const [, cfgText] = /```\n([\s\S]*?)```/.exec(table) ?? [];
    const [, yamlText] = /```yaml\n([\s\S]*?)```/.exec(table) ?? [];
    expect(cfgText).toBeDefined();
    expect(yamlText).toBeDefined();
    const fromCfg = dicts({ 'x.cfg': cfgText ?? '' }, 'x.cfg');
    expect(fromCfg.length).toBeGreaterThan(1);
    expect(dicts({ 'x.yaml': yamlText ?? '' }, 'x.yaml').map(sameFileNames)).toEqual(fromCfg);
  });
});
