/**
 * The node graph in formats other tools read: Graphviz dot, Mermaid, and JSON. Edges go from
 * the node that sets a state to the node that gets it, labelled with the states.
 */
import type { BoundNode, NodeGraph } from './build-graph.js';
import type { StateRef } from './state-keys.js';

export type GraphFormat = 'dot' | 'mermaid' | 'json';

export function exportGraph(g: NodeGraph, format: GraphFormat): string {
  switch (format) {
    case 'dot':
      return toDot(g);
    case 'mermaid':
      return toMermaid(g);
    case 'json':
      return JSON.stringify(toJson(g), null, 2) + '\n';
  }
}

function edges(g: NodeGraph): { from: string; to: string; states: readonly StateRef[] }[] {
  return g.graph.edges().map((e) => ({
    from: e.v,
    to: e.w,
    states: (g.graph.edge(e) as StateRef[] | undefined) ?? [],
  }));
}

const label = (states: readonly StateRef[]): string =>
  [...new Set(states.map((s) => s.state))].join(', ');

function toDot(g: NodeGraph): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = ['digraph cartograph {', '  rankdir=LR;', '  node [shape=box];'];
  for (const id of g.order) {
    const n = g.nodes.get(id) as BoundNode;
    const style = n.sets.length > 0 ? '' : ', style=bold';
    lines.push(`  ${q(id)} [label=${q(id)}${style}];`);
  }
  for (const e of edges(g))
    lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(label(e.states))}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

function toMermaid(g: NodeGraph): string {
  const ids = new Map(g.order.map((id, i) => [id, `n${i}`]));
  const text = (s: string): string => s.replaceAll('"', '#quot;');
  const lines = ['flowchart LR'];
  for (const id of g.order) {
    const n = g.nodes.get(id) as BoundNode;
    const shape = n.sets.length > 0 ? [`["`, `"]`] : [`(["`, `"])`];
    lines.push(`  ${ids.get(id) ?? ''}${shape[0] ?? ''}${text(id)}${shape[1] ?? ''}`);
  }
  for (const e of edges(g)) {
    lines.push(`  ${ids.get(e.from) ?? ''} -->|"${text(label(e.states))}"| ${ids.get(e.to) ?? ''}`);
  }
  return lines.join('\n') + '\n';
}

function toJson(g: NodeGraph): unknown {
  return {
    nodes: g.order.map((id) => {
      const n = g.nodes.get(id) as BoundNode;
      return {
        id,
        name: n.variant.name,
        objects: n.vms.map((v) => v.id),
        selected: n.selected,
        kind: n.sets.length > 0 ? 'setup' : 'test',
        get: n.gets.map(plain),
        set: n.sets.map(plain),
      };
    }),
    edges: edges(g).map((e) => ({ from: e.from, to: e.to, states: e.states.map(plain) })),
  };
}

function plain(s: StateRef): StateRef {
  return { type: s.type, objectId: s.objectId, state: s.state };
}
