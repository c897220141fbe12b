/**
 * The YAML form against the conformance corpus: every case the reference parses (and every
 * `fuzz/` case) is translated to YAML — its file and every file it includes, written into a
 * mirror of the corpus with include paths pointing at the translations — and must yield the
 * reference's dicts. The YAML is also translated back to `.cfg` (a second mirror), which must
 * yield them too. The only difference allowed: `_name_map_file` / `_short_name_map_file` are
 * keyed by file name, so they name `x.yaml` where the reference names `x.cfg`.
 *
 * Cases whose reference error happens during expansion must fail the same way in YAML (same
 * code, after the same number of dicts). The real-world suites under `real/` (millions of
 * dicts) are compared on the first dicts and on a second slice cut with a `no` filter.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CartographError, type ConfigError } from '../../src/errors.js';
import type { AstFile, AstStatement } from '../../src/parser/ast.js';
import { CartesianConfig } from '../../src/parser/cartesian-config.js';
import { nodeConfigFs } from '../../src/parser/config-fs.js';
import { dictToJson } from '../../src/parser/dict.js';
import { CfgParser, type IncludeLoader } from '../../src/parser/parse-cfg.js';
import { convertConfig } from '../../src/parser/yaml/convert-config.js';
import { parseYaml } from '../../src/parser/yaml/parse-yaml.js';
import { printCfg } from '../../src/parser/yaml/print-cfg.js';
import { printYaml } from '../../src/parser/yaml/print-yaml.js';
import {
  corpusAvailable,
  type CorpusCase,
  corpusDir,
  loadCases,
  runCase,
} from '../helpers/corpus.js';

const cases = [...loadCases(), ...loadCases('fuzz')];
const OPTIONS_WITH_VALUE = new Set([
  '--expand',
  '--only',
  '--no',
  '--assign',
  '--object-params',
  '--objects',
]);

const toYaml = (p: string): string => (p.endsWith('.cfg') ? `${p.slice(0, -4)}.yaml` : `${p}.yaml`);
const fromYaml = (p: string): string => (p.endsWith('.yaml') ? `${p.slice(0, -5)}.cfg` : p);
const fail = (e: ConfigError): never => {
  throw e;
};
const stubInclude: IncludeLoader = (_abs, display) => ({ path: display, statements: [] });

let root = '';
const yamlRoot = (): string => join(root, 'yaml');
const cfgRoot = (): string => join(root, 'cfg');
const translated = new Set<string>();

/** Absolute paths of `file` and of every file it includes, recursively. */
function fileTree(ast: AstFile, dir: string, out: Set<string>): void {
  out.add(resolve(dir, ast.path));
  const walk = (statements: readonly AstStatement[]): void => {
    for (const st of statements) {
      if (st.kind === 'include') fileTree(st.file, dir, out);
      else if (st.kind === 'cond') walk(st.body);
      else if (st.kind === 'variants') for (const v of st.variants) walk(v.body);
    }
  };
  walk(ast.statements);
}

function parseCfgTree(dir: string, file: string, text?: string): AstFile {
  return new CfgParser({ cwd: dir, fs: nodeConfigFs, report: fail }).parseText(
    text ?? readFileSync(resolve(dir, file), 'utf8'),
    file,
  );
}

/** Translates the files (absolute paths in the corpus) into both mirrors, once each. */
function translate(files: Iterable<string>): void {
  const todo = [...files].filter((f) => !translated.has(f));
  // All YAML first: converting YAML back checks that its includes exist.
  for (const abs of todo) {
    const rel = relative(corpusDir, abs);
    const text = convertConfig(rel, { cwd: corpusDir, report: fail, includePath: toYaml });
    write(join(yamlRoot(), toYaml(rel)), text);
  }
  for (const abs of todo) {
    const rel = relative(corpusDir, abs);
    const text = convertConfig(toYaml(rel), {
      cwd: yamlRoot(),
      report: fail,
      includePath: fromYaml,
    });
    write(join(cfgRoot(), rel), text);
    translated.add(abs);
  }
}

function write(path: string, text: string | undefined): void {
  if (text === undefined) throw new Error(`no translation for ${path}`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Config text of the case's EXTRA arguments (strings parsed after the file). */
function extraStrings(c: CorpusCase): string[] {
  const out: string[] = [];
  for (let i = 0; i < c.args.length; i++) {
    const a = c.args[i] ?? '';
    if (OPTIONS_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith('--')) out.push(a);
  }
  return out;
}

/** Every file a case reads: its file, its includes, and includes in its EXTRA strings. */
function caseFiles(c: CorpusCase): Set<string> {
  const files = new Set<string>();
  fileTree(parseCfgTree(c.dir, c.file), c.dir, files);
  for (const s of extraStrings(c)) {
    const ast = new CfgParser({ cwd: c.dir, fs: nodeConfigFs, report: fail }).parseText(
      s,
      '<string>',
    );
    for (const st of ast.statements) if (st.kind === 'include') fileTree(st.file, c.dir, files);
  }
  return files;
}

/** The same case run on a mirror; in YAML, EXTRA strings include the translated files. */
function mirrored(c: CorpusCase, mirror: string, yaml: boolean): CorpusCase {
  const dir = join(mirror, relative(corpusDir, c.dir));
  if (!yaml) return { ...c, dir };
  const extra = new Set(extraStrings(c));
  const args = c.args.map((a) =>
    extra.has(a) ? a.replace(/^(\s*include\s+\S+)\.cfg$/gm, '$1.yaml') : a,
  );
  return { ...c, dir, file: toYaml(c.file), args };
}

/** Map-file keys name the file a variant is written in: `x.cfg` becomes `x.yaml`. */
function yamlNames(value: unknown): unknown {
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if ((k === '_name_map_file' || k === '_short_name_map_file') && v && typeof v === 'object') {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([f, n]) => [
          f.endsWith('.cfg') ? toYaml(f) : f,
          n,
        ]),
      );
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** A syntax tree without source positions, include targets named by `path`. */
function shape(statements: readonly AstStatement[], path: (p: string) => string): unknown {
  return JSON.parse(
    JSON.stringify(statements, (key, value: unknown) => {
      if (key === 'src' || key === 'file') return undefined;
      if (key === 'path' && typeof value === 'string') return path(value);
      return value;
    }),
  ) as unknown;
}

beforeAll(() => {
  if (!corpusAvailable) return;
  root = mkdtempSync(join(tmpdir(), 'cartograph-yaml-'));
  // Mirrors keep the untranslated files too (a case may name one in a string).
  cpSync(corpusDir, yamlRoot(), { recursive: true });
  cpSync(corpusDir, cfgRoot(), { recursive: true });
});

afterAll(() => {
  if (root !== '') rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!corpusAvailable)('YAML round trip of the conformance corpus', () => {
  const dictCases = cases.filter((c) => 'dicts' in c.expected);

  it('covers the corpus', () => {
    expect(dictCases.length).toBeGreaterThan(80);
  });

  for (const c of dictCases) {
    it(c.name, () => {
      const files = caseFiles(c);
      translate(files);
      const expected = (c.expected as { dicts: unknown[] }).dicts;

      // Each file: .cfg and its YAML translation have the same syntax tree, and so has the
      // .cfg printed back from the YAML; printing is stable.
      for (const abs of files) {
        const rel = relative(corpusDir, abs);
        const cfgAst = new CfgParser({
          cwd: corpusDir,
          fs: nodeConfigFs,
          report: fail,
          loadInclude: stubInclude,
        }).parseText(readFileSync(abs, 'utf8'), rel);
        const yamlText = readFileSync(join(yamlRoot(), toYaml(rel)), 'utf8');
        const yamlAst = parseYaml(yamlText, toYaml(rel), {
          cwd: yamlRoot(),
          fs: nodeConfigFs,
          report: fail,
          loadInclude: stubInclude,
        });
        const backText = readFileSync(join(cfgRoot(), rel), 'utf8');
        const backAst = new CfgParser({
          cwd: cfgRoot(),
          fs: nodeConfigFs,
          report: fail,
          loadInclude: stubInclude,
        }).parseText(backText, rel);
        const plain = shape(cfgAst.statements, (p) => p);
        expect(shape(yamlAst.statements, fromYaml)).toEqual(plain);
        expect(shape(backAst.statements, (p) => p)).toEqual(plain);
        expect(printYaml(yamlAst, { includePath: (p) => p })).toBe(yamlText);
        expect(printCfg(backAst)).toBe(backText);
      }

      const yamlRun = runCase(mirrored(c, yamlRoot(), true));
      expect(yamlRun.error).toBeUndefined();
      expect(yamlRun.outputs).toEqual(expected.map(yamlNames));

      const cfgRun = runCase(mirrored(c, cfgRoot(), false));
      expect(cfgRun.error).toBeUndefined();
      expect(cfgRun.outputs).toEqual(expected);
    });
  }

  // Cases that parse but fail while expanding (join in a condition, join name clash,
  // _max on text, a bad regex key): the YAML translation fails the same way.
  const expansionErrors = cases.filter((c) => {
    if (!('error' in c.expected)) return false;
    const errors: ConfigError[] = [];
    const cfg = new CartesianConfig({ cwd: c.dir, onError: (e) => errors.push(e) });
    cfg.parseFile(c.file);
    return errors.length === 0;
  });

  it('finds the cases that fail during expansion', () => {
    expect(expansionErrors.map((c) => c.name.slice(0, 3))).toEqual(['118', '119', '121', '122']);
  });

  for (const c of expansionErrors) {
    it(`${c.name} fails in YAML as in .cfg`, () => {
      translate(caseFiles(c));
      const expected = c.expected as { error: { dicts_before_error: number } };
      const original = runCase(c);
      for (const run of [
        runCase(mirrored(c, yamlRoot(), true)),
        runCase(mirrored(c, cfgRoot(), false)),
      ]) {
        expect(run.error).toBeInstanceOf(CartographError);
        expect((run.error as CartographError).code).toBe((original.error as CartographError).code);
        expect(run.outputs.length).toBe(expected.error.dicts_before_error);
      }
    });
  }
});

describe.skipIf(!corpusAvailable)('YAML round trip of the real-world suites', () => {
  const FIRST = 500;
  const SLICE = 200;
  const suites = corpusAvailable
    ? readdirSync(join(corpusDir, 'real')).flatMap((sub) =>
        readdirSync(join(corpusDir, 'real', sub))
          .filter((f) => f.endsWith('.cfg'))
          .map((f) => join('real', sub, f)),
      )
    : [];

  const dicts = (dir: string, file: string, no?: string, limit = FIRST): unknown[] => {
    const cfg = new CartesianConfig({ cwd: dir });
    cfg.parseFile(file);
    if (no !== undefined) cfg.noFilter(no);
    const out: unknown[] = [];
    for (const d of cfg.dicts()) {
      out.push(dictToJson(d));
      if (out.length >= limit) break;
    }
    return out;
  };

  it('has suites', () => {
    expect(suites.length).toBeGreaterThan(20);
  });

  for (const rel of suites) {
    it(rel, () => {
      const dir = join(corpusDir, dirname(rel));
      const file = rel.slice(dirname(rel).length + 1);
      const files = new Set<string>();
      fileTree(parseCfgTree(dir, file), dir, files);
      translate(files);
      const original = dicts(dir, file);
      expect(dicts(join(yamlRoot(), dirname(rel)), toYaml(file))).toEqual(original.map(yamlNames));
      expect(dicts(join(cfgRoot(), dirname(rel)), file)).toEqual(original);
      // A second slice, away from the start: drop the outermost variant of the first dict.
      const first = original[0] as { name?: string } | undefined;
      const outer = first?.name?.split('.')[0]?.replace(/^\((\w+)=(.*)\)$/, '$2');
      if (outer === undefined || outer === '' || !/^[\w-]+$/.test(outer)) return;
      const slice = dicts(dir, file, outer, SLICE);
      expect(dicts(join(yamlRoot(), dirname(rel)), toYaml(file), outer, SLICE)).toEqual(
        slice.map(yamlNames),
      );
      expect(dicts(join(cfgRoot(), dirname(rel)), file, outer, SLICE)).toEqual(slice);
    });
  }
});
