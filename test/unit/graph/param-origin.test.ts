import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from '../../helpers/temp-dir.js';
import { labelsOf } from '../../../src/graph/load-objects.js';
import { paramOrigin } from '../../../src/graph/param-origin.js';
import { Params } from '../../../src/params/params.js';
import { CartesianConfig } from '../../../src/parser/cartesian-config.js';

/** The tree of `text` (as file `t.cfg`) and the labels of its dicts, by short name. */
function parsed(text: string, ...assignments: [string, string][]) {
  const dir = tempDir();
  writeFileSync(join(dir, 't.cfg'), text);
  const cfg = new CartesianConfig({ cwd: dir }).parseFile('t.cfg');
  for (const [k, v] of assignments) cfg.assign(k, v);
  const labels = new Map(
    [...cfg.dicts()].map((d) => {
      const p = new Params(d);
      return [p.get('shortname') ?? '', labelsOf(p.get('name') ?? '')];
    }),
  );
  return { tree: cfg.parser.root, labels: (name: string) => labels.get(name) ?? [] };
}

const TEXT = `size = 1G
variants:
    - a:
        size = lots
    - b:
        size_image1 = huge
        variants:
            - c:
                mode = zz
            - d:
                mode = ff
b:
    size_image1 += more
`;

it('picks the assignment on the dict path that wrote the value, where it is in its line', () => {
  const { tree, labels } = parsed(TEXT);
  expect(paramOrigin(tree, labels('a'), 'size', 'lots')).toMatchObject({
    key: 'size',
    location: { file: 't.cfg', line: 4, column: 16, length: 4 },
  });
  expect(paramOrigin(tree, labels('b.c'), 'mode', 'zz')?.location.line).toBe(9);
  expect(paramOrigin(tree, labels('b.d'), 'mode', 'ff')?.location.line).toBe(11);
});

it('follows suffixes, conditions and appends; the last applied wins', () => {
  const { tree, labels } = parsed(TEXT);
  // The value "hugemore" was made by two statements: the one applied last that wrote part of it.
  expect(paramOrigin(tree, labels('b.c'), 'size', 'hugemore')?.location.line).toBe(13);
  // Only the suffixes of the object count when given.
  expect(
    paramOrigin(tree, labels('b.c'), 'size', 'huge', { suffixes: new Set(['image2']) })?.key,
  ).toBe('size');
});

it('without a match by value: the last assignment of the key, or nothing when asked so', () => {
  const { tree, labels } = parsed(TEXT);
  expect(paramOrigin(tree, labels('a'), 'size', '${x}')?.location.line).toBe(4);
  expect(paramOrigin(tree, labels('a'), 'size', 'other', { byValueOnly: true })).toBeUndefined();
  expect(paramOrigin(tree, labels('a'), 'missing', 'x')).toBeUndefined();
});

it('names the command line for values of KEY=VALUE tokens', () => {
  const { tree, labels } = parsed(TEXT, ['size', 'tiny']);
  expect(paramOrigin(tree, labels('a'), 'size', 'tiny')?.location).toMatchObject({
    file: '<command line>',
    line: 1,
    column: 8,
  });
});
