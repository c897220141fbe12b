/**
 * Finding and downloading the guest's Debian packages with the host's apt: which real package
 * a metapackage stands for (`apt-cache depends`), the library packages a program needs (a walk
 * of Depends and PreDepends), their candidate versions (`apt-cache show`), and `apt-get
 * download` into a cache directory where downloaded .debs are kept and reused.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestError } from '../errors.js';
import { pathExists, tempPath } from '../shared/index.js';
import { runHostTool } from './host-tools.js';

/** One alternative of a dependency as `apt-cache depends` prints it. */
export interface DependencyAlternative {
  name: string;
  /** `<name>`: a virtual package; `providers` are the real packages that provide it. */
  virtual: boolean;
  providers: string[];
}

/** The hard dependencies (Depends and PreDepends) of one package, as groups of alternatives. */
export interface PackageDepends {
  package: string;
  /** Each group is satisfied by any one of its alternatives (`a | b`). */
  groups: DependencyAlternative[][];
}

/** The apt-cache depends flags that leave only Depends and PreDepends. */
const HARD_ONLY = [
  '--no-recommends',
  '--no-suggests',
  '--no-conflicts',
  '--no-breaks',
  '--no-replaces',
  '--no-enhances',
];

/**
 * Parses the output of `apt-cache depends` for one or more packages. Lines starting with `|`
 * join an alternative to the next line; a virtual package (`<name>`) is followed by its
 * providers, indented deeper.
 */
export function parseAptDepends(text: string): PackageDepends[] {
  const result: PackageDepends[] = [];
  let current: PackageDepends | undefined;
  let open: DependencyAlternative[] | undefined;
  let last: DependencyAlternative | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (!line.startsWith(' ')) {
      current = { package: line.trim().replace(/^<(.*)>$/, '$1'), groups: [] };
      result.push(current);
      open = undefined;
      last = undefined;
      continue;
    }
    const dep = /^ (\||\s)(PreDepends|Depends): (.+)$/.exec(line);
    if (dep !== null && current !== undefined) {
      const raw = (dep[3] ?? '').trim();
      const virtual = raw.startsWith('<') && raw.endsWith('>');
      last = { name: virtual ? raw.slice(1, -1) : raw, virtual, providers: [] };
      const group = open ?? [];
      group.push(last);
      if (open === undefined) current.groups.push(group);
      open = dep[1] === '|' ? group : undefined;
      continue;
    }
    // A provider of the virtual package on the line above (4 spaces), or another relation.
    if (/^ {4}\S/.test(line) && last?.virtual === true) last.providers.push(line.trim());
  }
  return result;
}

/**
 * The package that satisfies a group of alternatives: the first real one, else the first
 * provider of the first virtual one that has providers.
 */
export function chooseAlternative(group: readonly DependencyAlternative[]): string | undefined {
  const real = group.find((a) => !a.virtual);
  if (real !== undefined) return real.name;
  return group.find((a) => a.providers.length > 0)?.providers[0];
}

/** The fields of `apt-cache show` that the build uses. */
export interface PackageRecord {
  package: string;
  version: string;
  architecture: string;
  section: string;
}

/** Parses `apt-cache show` stanzas (the first stanza of each package wins). */
export function parseAptShow(text: string): Map<string, PackageRecord> {
  const records = new Map<string, PackageRecord>();
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
      if (m !== null) fields.set(m[1] ?? '', m[2] ?? '');
    }
    const pkg = fields.get('Package');
    const version = fields.get('Version');
    if (pkg === undefined || version === undefined || records.has(pkg)) continue;
    records.set(pkg, {
      package: pkg,
      version,
      architecture: fields.get('Architecture') ?? 'all',
      section: fields.get('Section') ?? '',
    });
  }
  return records;
}

/** Whether an archive section holds shared libraries (`libs`, or `contrib/libs` and the like). */
export function isLibrarySection(section: string): boolean {
  return section === 'libs' || section.endsWith('/libs');
}

/** The file name `apt-get download` gives a package (an epoch's `:` is written `%3a`). */
export function debFileName(record: PackageRecord): string {
  return `${record.package}_${record.version.replaceAll(':', '%3a')}_${record.architecture}.deb`;
}

const UPDATE_HINT = 'run apt-get update (node scripts/setup.js --qemu does it when needed)';

/** Options every apt call takes. */
export interface AptOptions {
  signal?: AbortSignal | undefined;
}

async function aptCacheDepends(
  packages: readonly string[],
  options: AptOptions,
): Promise<PackageDepends[]> {
  try {
    const out = await runHostTool('apt-cache', ['depends', ...HARD_ONLY, ...packages], {
      signal: options.signal,
      purpose: 'resolve the guest packages',
    });
    return parseAptDepends(out);
  } catch (error) {
    if (error instanceof GuestError && error.code === 'GUEST_BUILD') {
      throw new GuestError(
        'GUEST_BUILD',
        `apt-cache knows none of ${packages.join(', ')}: ${error.message}`,
        { cause: error, hint: UPDATE_HINT },
      );
    }
    throw error;
  }
}

/**
 * The real package a metapackage depends on, the first of its dependencies whose name starts
 * with `prefix` (`linux-image-cloud-amd64` → `linux-image-6.1.0-…-cloud-amd64`). The ABI
 * version in that name changes with security updates, so it is never written down.
 */
export async function resolveMetapackage(
  meta: string,
  prefix: string,
  options: AptOptions = {},
): Promise<string> {
  const [entry] = await aptCacheDepends([meta], options);
  for (const group of entry?.groups ?? []) {
    const choice = chooseAlternative(group);
    if (choice?.startsWith(prefix) === true) return choice;
  }
  throw new GuestError('GUEST_BUILD', `apt-cache depends ${meta} names no ${prefix}* package`, {
    hint: UPDATE_HINT,
  });
}

/** Candidate versions and sections of `packages`, every one of which must be known to apt. */
export async function showPackages(
  packages: readonly string[],
  options: AptOptions & {
    /** More packages to look up that may be unknown (apt-cache skips those). */
    optional?: readonly string[] | undefined;
  } = {},
): Promise<Map<string, PackageRecord>> {
  let out: string;
  try {
    const all = [...new Set([...packages, ...(options.optional ?? [])])];
    out = await runHostTool('apt-cache', ['show', '--no-all-versions', ...all], {
      signal: options.signal,
      purpose: 'look up the guest package versions',
    });
  } catch (error) {
    if (!(error instanceof GuestError) || error.code !== 'GUEST_BUILD') throw error;
    throw new GuestError('GUEST_BUILD', `apt has no candidate for some of ${packages.join(', ')}`, {
      cause: error,
      hint: UPDATE_HINT,
    });
  }
  const records = parseAptShow(out);
  const missing = packages.filter((p) => !records.has(p));
  if (missing.length > 0) {
    throw new GuestError('GUEST_BUILD', `apt has no candidate for ${missing.join(', ')}`, {
      hint: UPDATE_HINT,
    });
  }
  return records;
}

/**
 * The hard dependencies of `root` and of everything they depend on, in one `apt-cache depends
 * --recurse` (each apt-cache run costs about 0.6 s of cache loading, so a walk level by level
 * would cost seconds). The map holds virtual packages too.
 */
export async function dependsRecursive(
  root: string,
  options: AptOptions = {},
): Promise<Map<string, PackageDepends>> {
  const entries = await aptCacheDepends(['--recurse', root], options);
  return new Map(entries.map((e) => [e.package, e]));
}

/**
 * The library packages `root` needs, transitively: its Depends and PreDepends and theirs,
 * walking only through packages of a library section (so init-system-helpers, debconf and
 * whatever they pull in are skipped). `records` must hold the packages of `depends`.
 */
export function selectLibraries(
  root: string,
  depends: ReadonlyMap<string, PackageDepends>,
  records: ReadonlyMap<string, PackageRecord>,
): PackageRecord[] {
  const libraries: PackageRecord[] = [];
  const seen = new Set([root]);
  const queue = [root];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const group of depends.get(name)?.groups ?? []) {
      const choice = chooseAlternative(group);
      if (choice === undefined || seen.has(choice)) continue;
      seen.add(choice);
      const record = records.get(choice);
      if (record === undefined || !isLibrarySection(record.section)) continue;
      libraries.push(record);
      queue.push(choice);
    }
  }
  return libraries;
}

/**
 * Makes sure `<debsDir>/<name>_<version>_<arch>.deb` exists for every record: files already
 * there are reused, the others are fetched with one `apt-get download` into a private
 * temporary directory and renamed into place, so that two builds downloading at once never
 * see each other's partial files. Resolves with the path of each package's .deb.
 */
export async function downloadPackages(
  records: readonly PackageRecord[],
  debsDir: string,
  options: AptOptions & { onStep?: ((what: string) => void) | undefined } = {},
): Promise<Map<string, string>> {
  await mkdir(debsDir, { recursive: true });
  const paths = new Map<string, string>();
  const missing: PackageRecord[] = [];
  for (const record of records) {
    const path = join(debsDir, debFileName(record));
    paths.set(record.package, path);
    if (!(await pathExists(path))) missing.push(record);
  }
  if (missing.length === 0) return paths;

  options.onStep?.(`downloading ${missing.map((r) => `${r.package} ${r.version}`).join(', ')}`);
  const temp = tempPath(debsDir, 'download');
  await mkdir(temp);
  try {
    await runHostTool('apt-get', ['download', ...missing.map((r) => `${r.package}=${r.version}`)], {
      cwd: temp,
      signal: options.signal,
      timeoutMs: 900_000,
      purpose: 'download the guest packages',
    });
    const got = new Set(await readdir(temp));
    for (const record of missing) {
      const name = debFileName(record);
      if (!got.has(name)) {
        throw new GuestError(
          'GUEST_BUILD',
          `apt-get download ${record.package}=${record.version} left no ${name} (found: ${[...got].join(', ') || 'nothing'})`,
        );
      }
      await rename(join(temp, name), join(debsDir, name));
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return paths;
}
