/**
 * The kernel of the guest kit: extracting `vmlinuz` and the few modules the initramfs loads
 * from the kernel package, and the order to `insmod` them in. The extracted package has no
 * `modules.dep` (depmod runs at install time) and the host has no kmod, so dependencies come
 * from each module's own `.modinfo` (`depends=`).
 */
import type { Result } from 'execa';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestError } from '../errors.js';
import { readModuleInfo } from './elf.js';
import { pipeHostTools } from './host-tools.js';

/** A module's name as the kernel writes it (`virtio-rng` and `virtio_rng` are one module). */
export function moduleName(fileOrName: string): string {
  const base = fileOrName.slice(fileOrName.lastIndexOf('/') + 1).replace(/\.ko$/, '');
  return base.replaceAll('-', '_');
}

/** The names in a `modules.builtin` file (paths such as `kernel/fs/ext4/ext4.ko`). */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map(moduleName),
  );
}

/**
 * The modules to load for `roots`, each after the modules it depends on, without the ones
 * built into the kernel. `depends` maps a module to its `depends=` list. Throws `GUEST_BUILD`
 * for a module that is neither known nor built in, and for a dependency cycle.
 */
export function moduleLoadOrder(
  roots: readonly string[],
  depends: ReadonlyMap<string, readonly string[]>,
  builtin: ReadonlySet<string> = new Set(),
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: readonly string[]): void => {
    const mark = state.get(name);
    if (mark === 'done') return;
    if (mark === 'visiting') {
      throw new GuestError(
        'GUEST_BUILD',
        `kernel modules depend on each other in a cycle: ${[...path, name].join(' → ')}`,
      );
    }
    if (builtin.has(name)) {
      state.set(name, 'done');
      return;
    }
    const deps = depends.get(name);
    if (deps === undefined) {
      const via = path.length === 0 ? '' : ` (needed by ${path.join(' → ')})`;
      throw new GuestError(
        'GUEST_BUILD',
        `kernel module ${name} is not in the kernel package${via}`,
      );
    }
    state.set(name, 'visiting');
    for (const dep of deps) visit(moduleName(dep), [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const root of roots) visit(moduleName(root), []);
  return order;
}

/** The tar member pattern of a module file anywhere in the package (`-` and `_` alike). */
function modulePattern(name: string): string {
  return `*/${name.replaceAll(/[-_]/g, '[-_]')}.ko`;
}

/** tar reports members it did not find with exit code 2; the caller checks what came out. */
function onlyNotFound(result: Result): boolean {
  if (result.exitCode !== 2 || typeof result.stderr !== 'string') return false;
  return result.stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .every((l) =>
      /Not found in archive|Exiting with failure status due to previous errors/.test(l),
    );
}

async function walkFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walkFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** What {@link extractKernel} took out of the kernel package. */
export interface ExtractedKernel {
  /** The kernel release (`uname -r`), from the package's `lib/modules/<release>/`. */
  kernelVersion: string;
  /** The extracted `boot/vmlinuz-<release>`. */
  vmlinuz: string;
  /** Modules to load, in load order (dependencies first), with their extracted files. */
  modules: { name: string; file: string }[];
}

/**
 * Extracts from the kernel .deb into `dest`: `boot/vmlinuz-*`, `modules.builtin` and the
 * modules that `roots` need. `hints` are modules expected among the dependencies: asking for
 * them in the first pass usually saves a second pass over the ~100 MB archive. Passes repeat
 * (each a `dpkg-deb --fsys-tarfile | tar -x`) until every dependency is extracted or built in.
 */
export async function extractKernel(
  deb: string,
  dest: string,
  roots: readonly string[],
  hints: readonly string[],
  options: { signal?: AbortSignal | undefined } = {},
): Promise<ExtractedKernel> {
  const extract = (patterns: readonly string[]) =>
    pipeHostTools(
      { program: 'dpkg-deb', args: ['--fsys-tarfile', deb] },
      { program: 'tar', args: ['-x', '-C', dest, '--wildcards', ...patterns] },
      { signal: options.signal, accept: onlyNotFound, purpose: 'extract the kernel' },
    );

  await mkdir(dest, { recursive: true });
  await extract([
    './boot/vmlinuz-*',
    './lib/modules/*/modules.builtin',
    ...[...roots, ...hints].map(modulePattern),
  ]);
  const releases = await readdir(join(dest, 'lib', 'modules')).catch(() => []);
  const boots = (await readdir(join(dest, 'boot')).catch(() => [])).filter((f) =>
    f.startsWith('vmlinuz-'),
  );
  const [kernelVersion] = releases;
  if (releases.length !== 1 || kernelVersion === undefined || boots.length !== 1) {
    throw new GuestError(
      'GUEST_BUILD',
      `${deb} does not hold exactly one kernel (lib/modules: ${releases.join(', ') || 'none'}; boot: ${boots.join(', ') || 'none'})`,
    );
  }
  const moduleDir = join(dest, 'lib', 'modules', kernelVersion);
  const builtin = parseModulesBuiltin(
    await readFile(join(moduleDir, 'modules.builtin'), 'utf8').catch(() => ''),
  );

  const depends = new Map<string, string[]>();
  const files = new Map<string, string>();
  const asked = new Set([...roots, ...hints].map(moduleName));
  for (;;) {
    for (const file of await walkFiles(moduleDir)) {
      const name = moduleName(file);
      if (!file.endsWith('.ko') || files.has(name)) continue;
      const info = readModuleInfo(await readFile(file), file);
      files.set(name, file);
      depends.set(name, info.depends.map(moduleName));
    }
    // Everything reachable from the roots that is neither extracted nor built in yet.
    const wanted = new Set<string>();
    const walk = (name: string): void => {
      if (wanted.has(name) || builtin.has(name)) return;
      wanted.add(name);
      for (const dep of depends.get(name) ?? []) walk(dep);
    };
    roots.map(moduleName).forEach(walk);
    const missing = [...wanted].filter((n) => !files.has(n));
    const fresh = missing.filter((n) => !asked.has(n));
    if (fresh.length === 0) break;
    fresh.forEach((n) => asked.add(n));
    await extract(fresh.map(modulePattern));
  }
  const order = moduleLoadOrder(roots, depends, builtin);
  return {
    kernelVersion,
    vmlinuz: join(dest, 'boot', boots[0] ?? ''),
    modules: order.map((name) => ({ name, file: files.get(name) ?? '' })),
  };
}
