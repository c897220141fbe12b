/**
 * Reads the objects config: which vms there are (`vms`, or the `vms=` command-line token),
 * the variants of each vm (the dicts selected with `only <vm>`, narrowed by `only_<vm>` /
 * `no_<vm>` filters), and each vm's images (its `images` list, params scoped by suffix).
 */
import { ConfigError } from '../errors.js';
import { checkObjectName, Params } from '../params/index.js';
import { CartesianConfig, type CtxLabel, makeLabel, type TreeNode } from '../parser/index.js';
import { paramOrigin } from './param-origin.js';
import type { ImageObject, VmObject } from './test-object.js';

export interface LoadObjectsOptions {
  /** The objects config (`.cfg` or `.yaml`). */
  file: string;
  /** Directory relative paths resolve against. */
  cwd: string;
  /** `KEY = VALUE` assignments applied after the file (command-line overrides). */
  assignments?: readonly (readonly [string, string])[];
  /** Vms to load; default: the `vms` parameter of the config. */
  vms?: readonly string[];
  /** Filters narrowing a vm's variants (`only_vm1=fedora`), per vm. */
  only?: ReadonlyMap<string, readonly string[]>;
  no?: ReadonlyMap<string, readonly string[]>;
}

export interface ObjectSet {
  /** The vms in the order they are listed, each with its variants. */
  readonly vms: ReadonlyMap<string, readonly VmObject[]>;
  /** The parse tree of the objects config, to point at statements in diagnostics. */
  readonly tree?: TreeNode;
}

export function loadObjects(options: LoadObjectsOptions): ObjectSet {
  const parse = (extra: (cfg: CartesianConfig) => void): CartesianConfig => {
    const cfg = new CartesianConfig({ cwd: options.cwd });
    cfg.parseFile(options.file);
    for (const [k, v] of options.assignments ?? []) cfg.assign(k, v);
    extra(cfg);
    return cfg;
  };
  let names = options.vms;
  let tree: TreeNode | undefined;
  if (names === undefined) {
    // The config's top-level `vms`, read from its first dict (cheap: expansion is lazy).
    const cfg = parse(() => undefined);
    tree = cfg.parser.root;
    const first = cfg.dicts().next();
    names = first.done === true ? [] : new Params(first.value).objects('vms');
    for (const vm of names) {
      located(
        () => {
          checkObjectName(vm, 'vm');
        },
        first.done === true
          ? undefined
          : {
              tree,
              labels: labelsOf(new Params(first.value).get('name') ?? ''),
              key: 'vms',
              value: vm,
            },
      );
    }
  }
  if (names.length === 0) {
    throw new ConfigError('CFG_MISSING_PARAM', `${options.file} lists no vms`, {
      hint: 'set "vms = vm1 vm2" in the objects config or pass vms=vm1,vm2',
    });
  }
  const vms = new Map<string, VmObject[]>();
  for (const vm of names) {
    checkObjectName(vm, 'vm');
    const cfg = parse((c) => {
      c.onlyFilter(vm);
      for (const f of options.only?.get(vm) ?? []) c.onlyFilter(f);
      for (const f of options.no?.get(vm) ?? []) c.noFilter(f);
    });
    tree ??= cfg.parser.root;
    const variants: VmObject[] = [];
    const ids = new Map<string, string>();
    let any = false;
    for (const d of cfg.dicts()) {
      any = true;
      const params = new Params(d);
      const name = params.get('name') ?? '';
      const variant = (params.get('shortname') ?? '')
        .split('.')
        .filter((l, i, all) => l !== '' && (l !== vm || all.indexOf(vm) !== i))
        .join('.');
      const id = variant === '' ? vm : `${vm}-${variant}`;
      const clash = ids.get(id);
      if (clash !== undefined) {
        throw new ConfigError(
          'CFG_BAD_VALUE',
          `two variants of ${vm} have the same id "${id}": "${clash}" and "${name}"`,
          { hint: 'give the variants distinct (non-default) names' },
        );
      }
      ids.set(id, name);
      checkObjectName(id, 'object id');
      const images: ImageObject[] = params.objects('images').map((image) => {
        located(
          () => {
            checkObjectName(image, 'image');
          },
          { tree: cfg.parser.root, labels: labelsOf(name), key: 'images', value: image },
        );
        return {
          kind: 'images',
          name: image,
          id: `${id}/${image}`,
          vmId: id,
          vmName: vm,
          params: params.objectParams(image),
        };
      });
      variants.push({
        kind: 'vms',
        name: vm,
        variant,
        id,
        params,
        labels: labelsOf(name),
        images,
      });
    }
    if (!any) {
      const narrowed =
        (options.only?.get(vm) ?? []).length + (options.no?.get(vm) ?? []).length > 0;
      throw new ConfigError(
        'CFG_BAD_VALUE',
        narrowed
          ? `no variant of vm "${vm}" is left by the only_${vm} / no_${vm} filters`
          : `the objects config ${options.file} has no variants for vm "${vm}"`,
        { hint: `the vm's variants are the dicts "only ${vm}" selects in ${options.file}` },
      );
    }
    vms.set(vm, variants);
  }
  return tree === undefined ? { vms } : { vms, tree };
}

/** Runs a check; a config error it throws gets the location of the value it is about. */
function located(
  check: () => void,
  where: { tree: TreeNode; labels: readonly CtxLabel[]; key: string; value: string } | undefined,
): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof ConfigError) || error.location !== undefined || where === undefined) {
      throw error;
    }
    const origin = paramOrigin(where.tree, where.labels, where.key, where.value);
    if (origin === undefined) throw error;
    throw new ConfigError(error.code, error.message, {
      cause: error,
      location: origin.location,
      related: origin.related,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    });
  }
}

/** The labels of a dict name: `a.(os=b)` → a, (os=b). */
export function labelsOf(name: string): CtxLabel[] {
  if (name === '') return [];
  return name.split('.').map((part) => {
    const m = /^\((.+)=(.*)\)$/.exec(part);
    return m ? makeLabel(m[2] ?? '', m[1]) : makeLabel(part);
  });
}
