import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../../src/graph/build-graph.js';
import { loadNodes } from '../../../src/graph/load-nodes.js';
import { loadObjects } from '../../../src/graph/load-objects.js';
import { computeStateKeys, keyChanges, stateRefKey } from '../../../src/graph/state-keys.js';
import { tempDir } from '../../helpers/temp-dir.js';

const OBJECTS = 'vms = vm1\nimages = image1\nimage_size = 16M\nvariants:\n    - vm1:\n';
const NODES = `
variants:
    - install:
        get_state_images = root
        set_state_images = install
        command = echo install
        packages = a b
    - customize:
        get_state_images = install
        set_state_images = customize
        command = echo customize
        get_mode = ra
    - test:
        get_state_images = customize
`;

function keysOf(nodes: string, objects = OBJECTS, tokens: [string, string][] = []) {
  const dir = tempDir('cartograph-keys-');
  writeFileSync(join(dir, 'o.cfg'), objects);
  writeFileSync(join(dir, 'n.cfg'), nodes);
  const graph = buildGraph({
    objects: loadObjects({ file: 'o.cfg', cwd: dir, assignments: tokens }),
    nodes: loadNodes({ file: 'n.cfg', cwd: dir, assignments: tokens }),
    selected: (v) => v.name === 'test',
  });
  const keys = computeStateKeys(graph);
  const get = (state: string) =>
    keys.get(stateRefKey({ type: 'images', objectId: 'vm1/image1', state })) ??
    expect.unreachable();
  return { install: get('install'), customize: get('customize') };
}

describe('state keys', () => {
  it('are stable for the same config', () => {
    expect(keysOf(NODES).customize.key).toBe(keysOf(NODES).customize.key);
  });

  it('change below a changed step, and only there', () => {
    const before = keysOf(NODES);
    const after = keysOf(NODES.replace('packages = a b', 'packages = a b c'));
    expect(after.install.key).not.toBe(before.install.key);
    expect(after.customize.key).not.toBe(before.customize.key);
    const changed = keysOf(NODES.replace('command = echo customize', 'command = echo customize2'));
    expect(changed.install.key).toBe(before.install.key);
    expect(changed.customize.key).not.toBe(before.customize.key);
  });

  it('ignore orchestration-only parameters and state_key_ignore', () => {
    const before = keysOf(NODES);
    expect(keysOf(NODES.replace('get_mode = ra', 'get_mode = ri')).customize.key).toBe(
      before.customize.key,
    );
    expect(keysOf(NODES, OBJECTS, [['swarm_pool', '/elsewhere']]).customize.key).toBe(
      before.customize.key,
    );
    const noisy = NODES.replace('packages = a b', 'packages = a b\n        build_id = 42');
    expect(keysOf(noisy).install.key).not.toBe(before.install.key);
    expect(
      keysOf(noisy.replace('build_id = 42', 'build_id = 42\n        state_key_ignore = build_id'))
        .install.key,
    ).toBe(
      keysOf(NODES.replace('packages = a b', 'packages = a b\n        state_key_ignore = build_id'))
        .install.key,
    );
  });

  it('change when the root changes (image size)', () => {
    const before = keysOf(NODES);
    const after = keysOf(NODES, OBJECTS.replace('16M', '32M'));
    expect(after.install.key).not.toBe(before.install.key);
  });

  it('explain which parameters changed, old and new', () => {
    const before = keysOf(NODES);
    const after = keysOf(NODES.replace('packages = a b', 'packages = a b c'));
    expect(keyChanges(before.install.inputs, after.install.inputs)).toEqual([
      { param: 'packages', scope: 'node', before: 'a b', after: 'a b c' },
    ]);
    const parents = keyChanges(before.customize.inputs, after.customize.inputs);
    expect(parents).toEqual([
      expect.objectContaining({ param: 'state install@vm1/image1', scope: 'parents' }),
    ]);
  });
});
