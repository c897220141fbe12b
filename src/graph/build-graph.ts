/**
 * Binds node variants to object variants and connects them through the states they get and
 * set (design.md, "Graph and scheduling rules"): a node that gets state S of object O depends
 * on the one node that sets S for O (narrowed by its `get` filter). Setup nodes that name no
 * vms are bound on demand to the object variant that needs them.
 */
import { alg, Graph } from '@dagrejs/graphlib';
import { ConfigError, GraphError, type RelatedLocation } from '../errors.js';
import { checkStateName, type Params, ROOT_STATE_NAMES } from '../params/index.js';
import {
  type Filter,
  filterMatches,
  parseFilterText,
  sourceLocation,
  type Statement,
} from '../parser/index.js';
import type { NodeSet } from './load-nodes.js';
import type { ObjectSet } from './load-objects.js';
import { MinHeap } from './min-heap.js';
import type { NodeVariant } from './node-variant.js';
import { paramOrigin, pathNodes } from './param-origin.js';
import { imageStateParams, mergeParams, vmStateParams } from './scoped-params.js';
import { type StateRef, stateRefKey } from './state-keys.js';
import type { TestObject, VmObject } from './test-object.js';

/** A state a bound node gets or sets, with everything needed to act on it. */
export interface StateRequest extends StateRef {
  readonly object: TestObject;
  /** The vm variant the object is or belongs to. */
  readonly vm: VmObject;
  /** The object's params as this node sees them (scoped; `get_state`, `states`, …). */
  readonly params: Params;
}

/** A node variant bound to concrete vm variants. */
export interface BoundNode {
  /** `shortname@vm1-fedora,vm2`: unique in the graph. */
  readonly id: string;
  readonly variant: NodeVariant;
  readonly vms: readonly VmObject[];
  readonly gets: readonly StateRequest[];
  readonly sets: readonly StateRequest[];
  /** Picked by the user's `only=` / `no=`; other nodes were pulled in as producers. */
  readonly selected: boolean;
  /** For each non-root state it gets (by `stateRefKey`): the id of the node producing it. */
  readonly producers: ReadonlyMap<string, string>;
}

export interface NodeGraph {
  readonly nodes: ReadonlyMap<string, BoundNode>;
  /** Edges go from producer to consumer; the label is the list of states passed on. */
  readonly graph: Graph;
  /** Node ids, producers before consumers, otherwise in config order. */
  readonly order: readonly string[];
}

export interface BuildGraphOptions {
  readonly objects: ObjectSet;
  readonly nodes: NodeSet;
  /** The nodes the user asked for. */
  readonly selected: (variant: NodeVariant) => boolean;
  /**
   * Receives each state name a node gets or sets that cannot be one (`checkStateName`), with
   * the location of its value, and the graph is built on, so that all of them are reported at
   * once; such a graph must not be used. @default throws the first
   */
  readonly onError?: (error: ConfigError) => void;
}

export function buildGraph(options: BuildGraphOptions): NodeGraph {
  return new GraphBuilder(options).build();
}

class GraphBuilder {
  private readonly bound = new Map<string, MutableNode>();
  private readonly graph = new Graph({ directed: true, multigraph: false });
  private readonly filterCache = new Map<string, Filter>();
  /** The vm variants each node variant may use, per vm (narrowed by only_/no_). */
  private readonly allowedCache = new Map<
    string,
    { list: readonly VmObject[]; ids: ReadonlySet<string> }
  >();
  /** Scoped params of a node variant on a vm variant: the vm's, then each image's. */
  /** Values of every `set_state…` parameter of a dict, whatever its suffixes. */
  private readonly setValues = new WeakMap<Params, ReadonlySet<string>>();
  private readonly scopedCache = new Map<
    string,
    { vm: Params; images: ReadonlyMap<string, Params> }
  >();

  constructor(private readonly options: BuildGraphOptions) {}

  build(): NodeGraph {
    const { variants } = this.options.nodes;
    const firstVm = this.options.objects.vms.keys().next().value;
    for (const variant of variants) {
      if (!this.options.selected(variant)) continue;
      let vmNames = variant.params.objects('vms');
      if (vmNames.length === 0) {
        const main = variant.params.get('main_vm') ?? firstVm;
        vmNames = main === undefined || main === '' ? [] : [main];
      }
      for (const combo of this.combinations(variant, vmNames)) this.bind(variant, combo, true);
    }
    const cycles = alg.findCycles(this.graph);
    if (cycles.length > 0) throw this.cycleError(cycles[0] ?? []);
    const order = this.order();
    return { nodes: new Map(this.bound), graph: this.graph, order };
  }

  /** The vm variants a node may use: the product over its vms, narrowed by only_/no_ params. */
  private combinations(variant: NodeVariant, vmNames: readonly string[]): VmObject[][] {
    let combos: VmObject[][] = [[]];
    for (const vm of vmNames) {
      const candidates = this.variantsOf(vm, variant);
      combos = combos.flatMap((c) => candidates.map((o) => [...c, o]));
    }
    return combos;
  }

  private variantsOf(vm: string, variant: NodeVariant): readonly VmObject[] {
    return this.allowed(vm, variant).list;
  }

  private allowed(
    vm: string,
    variant: NodeVariant,
  ): { list: readonly VmObject[]; ids: ReadonlySet<string> } {
    const cacheKey = `${variant.index}|${vm}`;
    const known = this.allowedCache.get(cacheKey);
    if (known !== undefined) return known;
    const list = this.narrow(vm, variant);
    const entry = { list, ids: new Set(list.map((o) => o.id)) };
    this.allowedCache.set(cacheKey, entry);
    return entry;
  }

  private narrow(vm: string, variant: NodeVariant): readonly VmObject[] {
    const all = this.options.objects.vms.get(vm);
    if (all === undefined) {
      throw new GraphError(
        'GRAPH_UNKNOWN_OBJECT',
        `node ${variant.name} uses vm "${vm}", which the objects config does not define`,
        { related: this.where(variant, (s) => s.kind === 'assign' && s.key.startsWith('vms')) },
      );
    }
    const only = variant.params.get(`only_${vm}`);
    const no = variant.params.get(`no_${vm}`);
    return all.filter(
      (o) =>
        (only === undefined || only === '' || filterMatches(this.filter(only), o.labels)) &&
        (no === undefined || no === '' || !filterMatches(this.filter(no), o.labels)),
    );
  }

  private filter(text: string): Filter {
    let f = this.filterCache.get(text);
    if (f === undefined) {
      f = parseFilterText(text);
      this.filterCache.set(text, f);
    }
    return f;
  }

  /** Binds a node variant to vm variants (once), then resolves the producers of its states. */
  private bind(variant: NodeVariant, vms: readonly VmObject[], selected: boolean): MutableNode {
    const id = nodeId(variant, vms);
    const known = this.bound.get(id);
    if (known !== undefined) {
      if (selected) known.selected = true;
      return known;
    }
    const node: MutableNode = {
      id,
      variant,
      vms,
      gets: [],
      sets: [],
      selected,
      producers: new Map(),
    };
    for (const vm of vms) this.requests(node, vm);
    this.bound.set(id, node);
    this.graph.setNode(id);
    for (const request of node.gets) {
      if (ROOT_STATE_NAMES.has(request.state)) continue;
      const producer = this.producerFor(node, request);
      node.producers.set(stateRefKey(request), producer.id);
      const label = (this.graph.edge(producer.id, id) as StateRef[] | undefined) ?? [];
      this.graph.setEdge(producer.id, id, [...label, request]);
    }
    return node;
  }

  /** The states a node gets and sets on one vm variant and its images. */
  /** A node variant's params on a vm variant, scoped for the vm and for each image (cached). */
  private scoped(
    variant: NodeVariant,
    vm: VmObject,
  ): { vm: Params; images: ReadonlyMap<string, Params> } {
    const cacheKey = `${variant.index}|${vm.id}`;
    let entry = this.scopedCache.get(cacheKey);
    if (entry === undefined) {
      const merged = mergeParams(vm.params, variant.params);
      entry = {
        vm: vmStateParams(merged, vm.name),
        images: new Map(vm.images.map((i) => [i.name, imageStateParams(merged, vm.name, i.name)])),
      };
      this.scopedCache.set(cacheKey, entry);
    }
    return entry;
  }

  private requests(node: MutableNode, vm: VmObject): void {
    const scoped = this.scoped(node.variant, vm);
    const add = (object: TestObject, params: Params): void => {
      const type = object.kind;
      for (const [op, list] of [
        ['get_state', node.gets],
        ['set_state', node.sets],
      ] as const) {
        const state = params.get(op);
        if (state === undefined || state === '') continue;
        try {
          checkStateName(state, `${op}_${type} of ${object.id} in node ${node.variant.name}`);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          // Reported, and the graph built on as if it were good: its producers are bound too,
          // so that their bad names are reported with it.
          this.badState(error, node.variant, vm, op, state);
        }
        list.push({ type, objectId: object.id, state, object, vm, params });
      }
    };
    add(vm, scoped.vm);
    for (const image of vm.images) add(image, scoped.images.get(image.name) as Params);
  }

  /** A bad state name, located in the nodes config (or the objects config), reported. */
  private badState(
    error: ConfigError,
    variant: NodeVariant,
    vm: VmObject,
    op: string,
    state: string,
  ): void {
    const { nodes, objects } = this.options;
    const origin =
      paramOrigin(nodes.tree, variant.labels, op, state) ??
      (objects.tree === undefined ? undefined : paramOrigin(objects.tree, vm.labels, op, state));
    const located =
      origin === undefined
        ? error
        : new ConfigError(error.code, error.message, {
            cause: error,
            location: origin.location,
            related: origin.related,
          });
    if (this.options.onError === undefined) throw located;
    this.options.onError(located);
  }

  /** The one node that sets `request`'s state for its object. */
  private producerFor(consumer: MutableNode, request: StateRequest): MutableNode {
    const wanted = request.params.get('get');
    const filter = wanted === undefined || wanted === '' ? undefined : this.filter(wanted);
    const candidates: { variant: NodeVariant; vms: VmObject[] }[] = [];
    for (const variant of this.options.nodes.variants) {
      if (filter !== undefined && !filterMatches(filter, variant.labels)) continue;
      const vms = this.bindingFor(variant, consumer, request);
      if (vms === undefined) continue;
      if (this.setsState(variant, vms, request)) candidates.push({ variant, vms });
    }
    const what = `${request.type} state "${request.state}" of ${request.objectId}`;
    if (candidates.length === 0) {
      throw new GraphError(
        'GRAPH_NO_PRODUCER',
        `node ${consumer.variant.name} gets ${what}, but no node sets it` +
          (filter === undefined ? '' : ` (looking only at nodes matching get = ${wanted ?? ''})`),
        {
          related: this.where(
            consumer.variant,
            (s) => s.kind === 'assign' && s.value === request.state,
          ),
          hint: `add a node with set_state_${request.type} = ${request.state}, or get an existing state`,
        },
      );
    }
    if (candidates.length > 1) {
      throw new GraphError(
        'GRAPH_MANY_PRODUCERS',
        `node ${consumer.variant.name} gets ${what}, which several nodes set: ` +
          candidates.map((c) => c.variant.name).join(', '),
        {
          related: candidates.flatMap((c) =>
            this.where(c.variant, (s) => s.kind === 'assign' && s.value === request.state),
          ),
          hint: `name the producer with get_${request.type} = NODE (a filter), or narrow the nodes`,
        },
      );
    }
    const only = candidates[0] as { variant: NodeVariant; vms: VmObject[] };
    return this.bind(only.variant, only.vms, false);
  }

  /**
   * The vm variants a candidate producer would be bound to when it makes a state of
   * `request.vm`, or undefined if it cannot serve that vm variant.
   */
  private bindingFor(
    variant: NodeVariant,
    consumer: MutableNode,
    request: StateRequest,
  ): VmObject[] | undefined {
    const names = variant.params.objects('vms');
    // A setup step that names no vms is bound to whichever vm needs it.
    if (names.length === 0) return [request.vm];
    if (!names.includes(request.vm.name)) return undefined;
    const vms: VmObject[] = [];
    for (const name of names) {
      const allowed = this.allowed(name, variant);
      if (name === request.vm.name) {
        if (!allowed.ids.has(request.vm.id)) return undefined;
        vms.push(request.vm);
        continue;
      }
      const shared = consumer.vms.find((o) => o.name === name);
      if (shared !== undefined && allowed.ids.has(shared.id)) {
        vms.push(shared);
      } else if (allowed.list.length === 1) {
        vms.push(allowed.list[0] as VmObject);
      } else {
        return undefined;
      }
    }
    return vms;
  }

  private setsState(
    variant: NodeVariant,
    vms: readonly VmObject[],
    request: StateRequest,
  ): boolean {
    const vm = vms.find((o) => o.id === request.vm.id);
    if (vm === undefined) return false;
    // Cheap test first: a state can only be set if some set_state… parameter names it.
    if (
      !this.stateValues(variant.params).has(request.state) &&
      !this.stateValues(vm.params).has(request.state)
    ) {
      return false;
    }
    const scoped = this.scoped(variant, vm);
    const params =
      request.object.kind === 'vms' ? scoped.vm : scoped.images.get(request.object.name);
    return params?.get('set_state') === request.state;
  }

  private stateValues(params: Params): ReadonlySet<string> {
    let values = this.setValues.get(params);
    if (values === undefined) {
      const found = new Set<string>();
      for (const key of params.keys()) {
        if (key.startsWith('set_state')) found.add(params.get(key) ?? '');
      }
      values = found;
      this.setValues.set(params, values);
    }
    return values;
  }

  /** Node ids in dependency order, ties broken by config order then id. */
  private order(): string[] {
    const indeg = new Map<string, number>();
    for (const id of this.bound.keys()) indeg.set(id, this.graph.predecessors(id)?.length ?? 0);
    const before = (a: MutableNode, b: MutableNode): boolean =>
      a.variant.index !== b.variant.index ? a.variant.index < b.variant.index : a.id < b.id;
    const ready = new MinHeap<MutableNode>(before);
    for (const n of this.bound.values()) if (indeg.get(n.id) === 0) ready.push(n);
    const out: string[] = [];
    for (let n = ready.pop(); n !== undefined; n = ready.pop()) {
      out.push(n.id);
      for (const s of this.graph.successors(n.id) ?? []) {
        const d = (indeg.get(s) ?? 0) - 1;
        indeg.set(s, d);
        if (d === 0) ready.push(this.bound.get(s) as MutableNode);
      }
    }
    return out;
  }

  private cycleError(cycle: readonly string[]): GraphError {
    const nodes = cycle.map((id) => this.bound.get(id)).filter((n) => n !== undefined);
    return new GraphError(
      'GRAPH_CYCLE',
      `the nodes depend on each other in a cycle: ${cycle.join(' -> ')}`,
      {
        related: nodes.flatMap((n) =>
          this.where(n.variant, (s) => s.kind === 'assign' && /^(get|set)_state/.test(s.key)),
        ),
      },
    );
  }

  /** Where in the nodes config statements of a node variant's path say something relevant. */
  private where(variant: NodeVariant, pick: (s: Statement) => boolean): RelatedLocation[] {
    const out: RelatedLocation[] = [];
    const seen = new Set<string>();
    const visit = (items: readonly Statement[]): void => {
      for (const s of items) {
        if (s.kind === 'cond') visit(s.body);
        else if (s.kind !== 'mapfile' && pick(s) && s.kind === 'assign') {
          const loc = sourceLocation(s.src);
          const key = `${loc.file}:${loc.line}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ message: `${s.key} ${s.op} ${s.value} (for ${variant.name})`, location: loc });
        }
      }
    };
    for (const n of pathNodes(this.options.nodes.tree, variant.labels)) visit(n.content);
    return out.slice(0, 8);
  }
}

interface MutableNode extends BoundNode {
  gets: StateRequest[];
  sets: StateRequest[];
  selected: boolean;
  producers: Map<string, string>;
}

function nodeId(variant: NodeVariant, vms: readonly VmObject[]): string {
  const base = variant.shortname === '' ? variant.name || 'node' : variant.shortname;
  return vms.length === 0 ? base : `${base}@${vms.map((v) => v.id).join(',')}`;
}
