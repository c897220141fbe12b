/**
 * The Cartesian conformance corpus (../shared/cartesian-corpus): case discovery and a runner
 * that applies a case's `.args` the way the reference CLI does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Params } from '../../src/params/params.js';
import { CartesianConfig } from '../../src/parser/cartesian-config.js';
import { dictToJson } from '../../src/parser/dict.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the corpus is: $CARTOGRAPH_CORPUS or ../shared/cartesian-corpus next to the checkout. */
export const corpusDir = resolve(
  process.env.CARTOGRAPH_CORPUS ?? join(here, '..', '..', '..', 'shared', 'cartesian-corpus'),
);
export const corpusAvailable = existsSync(corpusDir);

export interface CorpusCase {
  name: string;
  dir: string;
  file: string;
  args: string[];
  expected: { dicts: unknown[] } | { error: ExpectedError };
}

export interface ExpectedError {
  type: string;
  linenum?: number | null;
  dicts_before_error: number;
  str: string;
  filename?: string;
}

export function loadCases(subdir = ''): CorpusCase[] {
  const dir = join(corpusDir, subdir);
  if (!existsSync(dir)) return [];
  const cases: CorpusCase[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.cfg')) continue;
    const name = f.slice(0, -4);
    const p = (ext: string): string => join(dir, name + ext);
    const args = existsSync(p('.args'))
      ? (JSON.parse(readFileSync(p('.args'), 'utf8')) as string[])
      : [];
    let expected: CorpusCase['expected'];
    if (existsSync(p('.expected.jsonl'))) {
      const text = readFileSync(p('.expected.jsonl'), 'utf8');
      expected = {
        dicts: text
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as unknown),
      };
    } else if (existsSync(p('.expected.error'))) {
      expected = { error: JSON.parse(readFileSync(p('.expected.error'), 'utf8')) as ExpectedError };
    } else continue;
    cases.push({ name: subdir ? `${subdir}/${name}` : name, dir, file: f, args, expected });
  }
  return cases;
}

export interface CaseResult {
  outputs: unknown[];
  error: unknown;
}

/** Runs a case from its own directory with the bare file name, as the reference was run. */
export function runCase(c: CorpusCase): CaseResult {
  const opts = { defaults: false, expand: [] as string[], skipdups: true };
  const only: string[] = [];
  const no: string[] = [];
  const assign: [string, string][] = [];
  const extra: string[] = [];
  let objectParams: string | undefined;
  let objects: string | undefined;
  for (let i = 0; i < c.args.length; i++) {
    const a = c.args[i] as string;
    const next = (): string => c.args[++i] as string;
    if (a === '--defaults') opts.defaults = true;
    else if (a === '--expand')
      opts.expand = next()
        .split(',')
        .map((x) => x.trim());
    else if (a === '--no-skipdups') opts.skipdups = false;
    else if (a === '--only') only.push(next());
    else if (a === '--no') no.push(next());
    else if (a === '--assign') {
      const kv = next();
      const eq = kv.indexOf('=');
      assign.push([kv.slice(0, eq), kv.slice(eq + 1)]);
    } else if (a === '--object-params') objectParams = next();
    else if (a === '--objects') objects = next();
    else extra.push(a);
  }
  const outputs: unknown[] = [];
  try {
    const cfg = new CartesianConfig({
      defaults: opts.defaults,
      expandDefaults: opts.expand,
      skipdups: opts.skipdups,
      cwd: c.dir,
    });
    cfg.parseFile(c.file);
    for (const s of extra) cfg.parseString(s);
    for (const f of only) cfg.onlyFilter(f);
    for (const f of no) cfg.noFilter(f);
    for (const [k, v] of assign) cfg.assign(k, v);
    for (const d of cfg.dicts()) {
      if (objects !== undefined) outputs.push(new Params(d).objects(objects));
      else if (objectParams !== undefined)
        outputs.push(dictToJson(new Params(d).objectParams(objectParams).toMap()));
      else outputs.push(dictToJson(d));
    }
    return { outputs, error: undefined };
  } catch (error) {
    return { outputs, error };
  }
}
