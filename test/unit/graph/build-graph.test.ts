import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../../src/errors.js';
import { buildGraph } from '../../../src/graph/build-graph.js';
import { loadNodes } from '../../../src/graph/load-nodes.js';
import { loadObjects } from '../../../src/graph/load-objects.js';
import { makePlan } from '../../../src/graph/make-plan.js';
import { stateRefKey } from '../../../src/graph/state-keys.js';
import { filterMatches } from '../../../src/parser/filter-match.js';
import { parseFilterText } from '../../../src/parser/yaml/parse-filter-text.js';
import { tempDir } from '../../helpers/temp-dir.js';

const OBJECTS = `
vms = vm1 vm2
images = image1
image_size = 16M
variants:
    - vm1:
        image_name_image1 = vm1
    - vm2:
        variants:
            - fedora:
                image_name_image1 = vm2-fedora
            - ubuntu:
                image_name_image1 = vm2-ubuntu
`;

const NODES = `
variants:
    - install:
        get_state_images = root
        set_state_images = install
    - customize:
        get_state_images = install
        set_state_images = customize
    - test:
        vms = vm1 vm2
        get_state_images = customize
        variants:
            - read:
            - write:
`;

function setup(nodes = NODES, only?: string) {
  const dir = tempDir('cartograph-graph-');
  writeFileSync(join(dir, 'objects.cfg'), OBJECTS);
  writeFileSync(join(dir, 'nodes.cfg'), nodes);
  const objects = loadObjects({ file: 'objects.cfg', cwd: dir });
  const nodeSet = loadNodes({ file: 'nodes.cfg', cwd: dir });
  const filter = only === undefined ? undefined : parseFilterText(only);
  return buildGraph({
    objects,
    nodes: nodeSet,
    selected: (v) =>
      filter === undefined
        ? v.params.get('set_state_images') === undefined
        : filterMatches(filter, v.labels),
  });
}

describe('buildGraph', () => {
  it('binds tests to the product of their vm variants and pulls in setup chains per variant', () => {
    const g = setup();
    const tests = [...g.nodes.values()].filter((n) => n.selected).map((n) => n.id);
    expect(tests).toEqual([
      'test.read@vm1,vm2-fedora',
      'test.read@vm1,vm2-ubuntu',
      'test.write@vm1,vm2-fedora',
      'test.write@vm1,vm2-ubuntu',
    ]);
    // One setup chain per object variant, shared by the tests that need it.
    const setupIds = [...g.nodes.values()]
      .filter((n) => !n.selected)
      .map((n) => n.id)
      .sort();
    expect(setupIds).toEqual([
      'customize@vm1',
      'customize@vm2-fedora',
      'customize@vm2-ubuntu',
      'install@vm1',
      'install@vm2-fedora',
      'install@vm2-ubuntu',
    ]);
    expect(g.graph.predecessors('customize@vm2-fedora')).toEqual(['install@vm2-fedora']);
    expect(g.order.indexOf('install@vm1')).toBeLessThan(g.order.indexOf('customize@vm1'));
  });

  it('narrows a vm with only_<vm> params', () => {
    const g = setup(NODES.replace('vms = vm1 vm2', 'vms = vm1 vm2\n        only_vm2 = ubuntu'));
    const tests = [...g.nodes.values()].filter((n) => n.selected).map((n) => n.id);
    expect(tests).toEqual(['test.read@vm1,vm2-ubuntu', 'test.write@vm1,vm2-ubuntu']);
  });

  it('reports a state nobody sets, naming the config line', () => {
    try {
      setup(NODES.replace('get_state_images = customize', 'get_state_images = nosuch'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GraphError);
      const err = e as GraphError;
      expect(err.code).toBe('GRAPH_NO_PRODUCER');
      expect(err.related.map((r) => `${r.location.file}:${r.location.line}`)).toContain(
        'nodes.cfg:11',
      );
    }
  });

  it('reports several producers', () => {
    expect(() =>
      setup(
        NODES.replace(
          '    - customize:',
          '    - other:\n        set_state_images = install\n    - customize:',
        ),
      ),
    ).toThrow(expect.objectContaining({ code: 'GRAPH_MANY_PRODUCERS' }));
  });

  it('picks the producer named by get_images', () => {
    const nodes = NODES.replace(
      '    - customize:',
      '    - other:\n        set_state_images = install\n    - customize:\n        get_images = install',
    );
    const g = setup(nodes);
    expect(g.graph.predecessors('customize@vm1')).toEqual(['install@vm1']);
  });

  it('reports a cycle', () => {
    const nodes = NODES.replace('get_state_images = root', 'get_state_images = customize');
    expect(() => setup(nodes)).toThrow(expect.objectContaining({ code: 'GRAPH_CYCLE' }));
  });
});

describe('makePlan', () => {
  it('runs only what is missing and reuses the rest', () => {
    const g = setup();
    const present = new Set(
      [...g.nodes.values()]
        .flatMap((n) => n.sets)
        .filter((s) => s.objectId !== 'vm2-ubuntu/image1' || s.state === 'install')
        .map(stateRefKey),
    );
    const plan = makePlan(g, (ref) => (present.has(stateRefKey(ref)) ? 'present' : 'missing'));
    const byNode = new Map(plan.steps.map((s) => [s.node, s.action]));
    expect(byNode.get('customize@vm1')).toBe('reuse');
    expect(byNode.get('customize@vm2-ubuntu')).toBe('run');
    // install of vm2-ubuntu is there, so it is reused and not run again.
    expect(byNode.get('install@vm2-ubuntu')).toBe('reuse');
    // Nothing needs install of vm1: customize of vm1 exists.
    expect(byNode.has('install@vm1')).toBe(false);
    expect(plan.steps.filter((s) => s.kind === 'test').every((s) => s.action === 'run')).toBe(true);
  });

  it('runs no setup node when every state exists', () => {
    const g = setup();
    const plan = makePlan(g, () => 'present');
    expect(plan.steps.filter((s) => s.kind === 'setup' && s.action === 'run')).toEqual([]);
  });

  it('rebuilds a stale state and what was built on it, reuses unverified ones with a warning', () => {
    const g = setup();
    const plan = makePlan(g, (ref) => {
      if (ref.state === 'install' && ref.objectId === 'vm1/image1') {
        return {
          status: 'stale',
          changes: [{ param: 'packages', scope: 'node', before: 'a', after: 'b' }],
        };
      }
      // Built on the stale install: its key no longer matches either.
      if (ref.state === 'customize' && ref.objectId === 'vm1/image1') return 'stale';
      if (ref.objectId === 'vm2-fedora/image1') return 'unverified';
      return 'present';
    });
    const byNode = new Map(plan.steps.map((s) => [s.node, s]));
    expect(byNode.get('install@vm1')?.action).toBe('run');
    expect(byNode.get('install@vm1')?.reason).toContain('install of vm1/image1 stale');
    expect(byNode.get('install@vm1')?.sets[0]?.changes).toEqual([
      { param: 'packages', scope: 'node', before: 'a', after: 'b' },
    ]);
    expect(byNode.get('customize@vm1')?.action).toBe('run');
    expect(byNode.get('customize@vm2-fedora')?.action).toBe('reuse');
    expect(
      plan.warnings.some((w) => w.includes('customize of vm2-fedora/image1 has no manifest')),
    ).toBe(true);
  });

  it('keeps a stale state when reuse_stale says so, with a warning', () => {
    const g = setup();
    const plan = makePlan(g, (ref) =>
      ref.state === 'customize' ? { status: 'stale', reuseStale: true } : 'present',
    );
    expect(plan.steps.filter((s) => s.kind === 'setup' && s.action === 'run')).toEqual([]);
    expect(plan.warnings.filter((w) => w.includes('reuse_stale'))).toHaveLength(3);
  });
});
