/**
 * Property: on random configs, the expander (pruning, caching, explicit stack) yields exactly
 * the dicts of the plain semantics (every path, filters checked on the full name).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CartographError } from '../../src/errors.js';
import { dictToJson } from '../../src/parser/dict.js';
import { expandTree } from '../../src/parser/expander.js';
import { CartesianParser } from '../../src/parser/parser.js';
import { plainDicts } from '../helpers/plain-semantics.js';

const labels = ['a', 'b', 'c', 'd', 'x', 'y'];
const label = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...labels) },
  { weight: 1, arbitrary: fc.constantFrom('(va=a)', '(va=b)', '(vb=x)') },
);
const block = fc.array(label, { minLength: 1, maxLength: 2 }).map((ls) => ls.join('.'));
const word = fc.array(block, { minLength: 1, maxLength: 2 }).map((bs) => bs.join('..'));
const filter = fc.array(word, { minLength: 1, maxLength: 2 }).map((ws) => ws.join(', '));

const assign = fc
  .tuple(
    fc.constantFrom('k1', 'k2', 'k_x', 'mem'),
    fc.constantFrom('=', '+=', '<=', '~='),
    fc.constantFrom('v1', 'v2', '${k1}', '${name}', 'x=y', ' spaced ', '${k2}-${missing}', '512'),
  )
  .map(([k, op, v]) => `${k} ${op} ${v}`);
const regexAssign = fc
  .tuple(
    fc.constantFrom('k.*', 'k[0-9]', 'k(_.*)?', 'mem'),
    fc.constantFrom('?=', '?+=', '?<='),
    fc.constantFrom('r', '${k1}'),
  )
  .map(([k, op, v]) => `${k} ${op} ${v}`);

type Body = readonly string[];
const indent = (lines: Body, n: number): Body => lines.map((l) => ' '.repeat(n) + l);

const body: fc.Memo<Body> = fc.memo((depth) => {
  const leafStmt: fc.Arbitrary<Body> = fc.oneof(
    { weight: 6, arbitrary: assign.map((s) => [s]) },
    { weight: 2, arbitrary: regexAssign.map((s) => [s]) },
    { weight: 1, arbitrary: filter.map((f) => [`only ${f}`]) },
    { weight: 1, arbitrary: filter.map((f) => [`no ${f}`]) },
    { weight: 1, arbitrary: fc.constant(['del k2']) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(['suffix _s'], ['mem_max = 256'], ['k1_fixed = fixed']),
    },
  );
  if (depth <= 1) return fc.array(leafStmt, { minLength: 0, maxLength: 3 }).map((xs) => xs.flat());
  const cond: fc.Arbitrary<Body> = fc
    .tuple(
      fc.boolean(),
      filter.map((f) => f.replaceAll(' ', '')),
      body(depth - 1),
    )
    .map(([neg, f, b]) => [`${neg ? '!' : ''}${f}:`, ...indent(b.length > 0 ? b : ['k3 = c'], 4)]);
  const variants: fc.Arbitrary<Body> = fc
    .tuple(
      fc.constantFrom('', ' va', ' vb'),
      fc.uniqueArray(fc.constantFrom(...labels, 'a.b', 'x.y'), { minLength: 1, maxLength: 3 }),
      fc.array(body(depth - 1), { minLength: 3, maxLength: 3 }),
      fc.nat(3),
    )
    .map(([name, names, bodies, def]) => [
      `variants${name}:`,
      ...names.flatMap((n, i) => [
        `    - ${i === def ? '@' : ''}${n}:`,
        ...indent(bodies[i] ?? [], 8),
      ]),
    ]);
  return fc
    .array(
      fc.oneof(
        { weight: 4, arbitrary: leafStmt },
        { weight: 1, arbitrary: cond },
        { weight: 2, arbitrary: variants },
      ),
      {
        minLength: 0,
        maxLength: 4,
      },
    )
    .map((xs) => xs.flat());
});

const topVariants = fc
  .tuple(
    fc.constantFrom('', ' va', ' vb'),
    fc.uniqueArray(fc.constantFrom(...labels, 'a.b'), { minLength: 2, maxLength: 4 }),
    fc.array(body(2), { minLength: 4, maxLength: 4 }),
  )
  .map(([name, names, bodies]) => [
    `variants${name}:`,
    ...names.flatMap((n, i) => [`    - ${n}:`, ...indent(bodies[i] ?? [], 8)]),
  ]);
const config = fc
  .array(fc.tuple(body(2), topVariants), { minLength: 2, maxLength: 3 })
  .chain((parts) =>
    fc
      .tuple(body(2), fc.option(fc.constantFrom('join a b', 'join x y', 'join a x b'), { freq: 3 }))
      .map(([tail, join]) => [
        ...parts.flatMap(([b, v]) => [...b, ...v]),
        ...tail,
        ...(join === null ? [] : [join]),
      ]),
  )
  .map((lines) => lines.join('\n') + '\n');

function run(text: string, defaults: boolean): Outcome {
  const parser = new CartesianParser({ defaults });
  parser.parseString(text);
  const dicts: unknown[] = [];
  try {
    for (const d of expandTree(parser.root, { defaults })) dicts.push(dictToJson(d));
    return { dicts };
  } catch (e) {
    if (e instanceof CartographError) return { dicts, error: (e as CartographError).code };
    throw e;
  }
}

function model(text: string, defaults: boolean): Outcome | undefined {
  const parser = new CartesianParser({ defaults });
  parser.parseString(text);
  try {
    return { dicts: plainDicts(parser.root, { defaults }).map((d) => dictToJson(d)) };
  } catch (e) {
    if (e instanceof CartographError) return { dicts: [], error: (e as CartographError).code };
    return undefined; // the model itself cannot say (a join name clash etc.)
  }
}

interface Outcome {
  dicts: unknown[];
  error?: string;
}

const stats: number[] = [];
describe('expander equals the plain semantics', () => {
  it('on random configs', () => {
    fc.assert(
      fc.property(config, fc.boolean(), (text, defaults) => {
        let parsed = true;
        try {
          new CartesianParser().parseString(text);
        } catch {
          parsed = false;
        }
        fc.pre(parsed);
        const expected = model(text, defaults);
        if (expected === undefined || expected.dicts.length > 3000) return;
        const actual = run(text, defaults);
        stats.push(expected.dicts.length);
        if (expected.error !== undefined) {
          // The model expands eagerly, so with several errors it may meet another one first.
          expect(actual.error).toBeDefined();
        } else {
          expect(actual.error).toBeUndefined();
          expect(actual.dicts).toEqual(expected.dicts);
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
    // The generator must produce real expansions, not only empty ones.
    expect(stats.filter((n) => n > 5).length).toBeGreaterThan(stats.length / 10);
  });
});
