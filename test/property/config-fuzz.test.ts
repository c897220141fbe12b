/**
 * Fuzz (issue 13): the bundled configs, and their YAML twin, mutated at random — lines
 * deleted, duplicated and swapped, values replaced by long, empty, binary, shell-looking and
 * path-looking strings — must make `plan` end with exit 0 or a coded error: never an internal
 * error, and never by running a config value (a value that would create a file when run by a
 * shell must not create it).
 *
 * Bounded: CARTOGRAPH_FUZZ_RUNS runs (default 200, a few seconds), from CARTOGRAPH_FUZZ_SEED
 * when given (fast-check prints the seed and the shrunk case of a failure to replay it).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const RUNS = Number(process.env.CARTOGRAPH_FUZZ_RUNS ?? 200);
const SEED = process.env.CARTOGRAPH_FUZZ_SEED;

const CONFIGS = join(import.meta.dirname, '..', '..', 'configs');
const FORMS = {
  cfg: {
    objects: readFileSync(join(CONFIGS, 'objects.cfg'), 'utf8'),
    nodes: readFileSync(join(CONFIGS, 'nodes.cfg'), 'utf8'),
  },
  yaml: {
    objects: readFileSync(join(CONFIGS, 'yaml', 'objects.yaml'), 'utf8'),
    nodes: readFileSync(join(CONFIGS, 'yaml', 'nodes.yaml'), 'utf8'),
  },
} as const;

/** A file that exists only if some config value was run by a shell. */
const CANARY = join(tmpdir(), `pwned-${process.pid}-${Date.now().toString(36)}`);
afterAll(() => {
  rmSync(CANARY, { force: true });
});

/** Values that are wrong in every way a user (or an attacker) could write them. */
const nasty: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '-3', '0', '1e309', '0x', 'NaN', 'zz', 'lots', 'yes no', '=', ':'),
  fc.constantFrom(200, 205, 206, 256, 300, 5000).map((n) => 'a'.repeat(n)),
  fc.constantFrom(
    `$(touch ${CANARY})`,
    `\`touch ${CANARY}\``,
    `; touch ${CANARY}`,
    `| touch ${CANARY}`,
    `&& touch ${CANARY} #`,
    `\${suite} $(touch ${CANARY})`,
    `-o touch=${CANARY}`,
  ),
  fc.constantFrom(
    '/',
    '.',
    '..',
    '../../../..',
    '/etc/passwd',
    '/dev/null',
    '/dev/full',
    '/proc/self/mem',
    '~/x',
    'configs/objects.cfg',
    'configs/objects.cfg/inside',
    '-rf',
    '/tmp/' + 'd/'.repeat(2100),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('\0', '\x01', '\x7f', '\uFFFD', '\u2028', 'é', '"', "'", '\\'),
    maxLength: 12,
  }),
);

type Mutation =
  | { kind: 'delete' | 'duplicate'; file: 'objects' | 'nodes'; at: number }
  | { kind: 'swap'; file: 'objects' | 'nodes'; at: number; to: number }
  | { kind: 'value'; file: 'objects' | 'nodes'; at: number; value: string; quote: boolean };

const file = fc.constantFrom('objects' as const, 'nodes' as const);
const at = fc.nat({ max: 1000 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), file, at }),
  fc.record({ kind: fc.constant('swap' as const), file, at, to: at }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('value' as const),
      file,
      at,
      value: nasty,
      quote: fc.boolean(),
    }),
  },
);

/** Applies a mutation to the text of a config (`yaml`: values are YAML scalars). */
function mutate(text: string, m: Mutation, yaml: boolean): string {
  const lines = text.split('\n');
  const i = m.at % lines.length;
  switch (m.kind) {
    case 'delete':
      lines.splice(i, 1);
      break;
    case 'duplicate':
      lines.splice(i, 0, lines[i] ?? '');
      break;
    case 'swap': {
      const j = m.to % lines.length;
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      break;
    }
    case 'value': {
      // The nearest assignment at or after i: `key = value`, or `- key: value` in YAML.
      const pattern = yaml ? /^(\s*-?\s*[\w.]+:\s)(.*)$/ : /^(\s*[\w.]+\s*[+?<~]?=\s?)(.*)$/;
      for (let k = 0; k < lines.length; k++) {
        const n = (i + k) % lines.length;
        const found = pattern.exec(lines[n] ?? '');
        if (found !== null) {
          const value = yaml && m.quote ? JSON.stringify(m.value) : m.value;
          lines[n] = `${found[1] ?? ''}${value}`;
          break;
        }
      }
      break;
    }
  }
  return lines.join('\n');
}

describe('plan on mutated bundled configs', () => {
  it(
    'ends with exit 0 or a coded error, never an internal error, never runs a value',
    async () => {
      const root = tempDir('cartograph-fuzz-');
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('cfg' as const, 'yaml' as const),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          async (form, mutations) => {
            const dir = join(root, String(run++));
            mkdirSync(join(dir, 'configs'), { recursive: true });
            const yaml = form === 'yaml';
            const files = { ...FORMS[form] };
            for (const m of mutations) files[m.file] = mutate(files[m.file], m, yaml);
            const ext = yaml ? 'yaml' : 'cfg';
            writeFileSync(join(dir, 'configs', `objects.${ext}`), files.objects);
            writeFileSync(join(dir, 'configs', `nodes.${ext}`), files.nodes);
            const r = await runCli(
              ['plan', '--objects', `configs/objects.${ext}`, '--nodes', `configs/nodes.${ext}`],
              dir,
            );
            rmSync(dir, { recursive: true, force: true });
            expect(r.stderr).not.toContain('internal error');
            expect([0, 1, 2]).toContain(r.code);
            if (r.code !== 0) expect(r.stderr).toMatch(/\[[A-Z][A-Z_]+\]$/m);
            expect(existsSync(CANARY)).toBe(false);
          },
        ),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: Number(SEED) }) },
      );
    },
    RUNS * 1000,
  );
});
