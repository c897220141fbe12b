/**
 * `cartograph params [options] FILE [EXTRA...]`: parse a Cartesian config (then each EXTRA
 * string as config text after it) and print the dicts, streamed.
 */
import { parseArgs } from 'node:util';
import { ConfigError, UsageError } from '../errors.js';
import { CartesianConfig } from '../parser/cartesian-config.js';
import { dictToJson, type ParamDict } from '../parser/dict.js';
import { pyStr } from '../parser/py-repr.js';
import { Params } from '../params/params.js';
import { diagnosticJson, formatDiagnostic } from '../report/format-diagnostic.js';
import { BufferedWriter } from './buffered-writer.js';
import { EXIT, type CliIo } from './cli-io.js';
import { writeAll } from './write-all.js';

export const PARAMS_HELP = `usage: cartograph params [options] FILE [EXTRA...]

Parses the Cartesian config FILE, then each EXTRA string as config text after it,
and prints the resulting dicts.

options:
  -d, --defaults           expand only the default variant of each block
  -e, --expand NAMES       blocks (comma-separated names) to expand fully with --defaults
  -s, --no-skipdups        keep suffixed keys whose values agree (the reference CLI's -s)
      --only FILTER        add "only FILTER" after FILE and EXTRA (repeatable)
      --no FILTER          add "no FILTER" after the --only filters (repeatable)
      --assign KEY=VALUE   add "KEY = VALUE" after the filters (repeatable)
      --object-params NAME print the parameters of object NAME of each dict
      --objects KEY        print the objects listed in KEY of each dict, as a JSON list
      --format FORMAT      list (default) or jsonl (one JSON object per dict, streamed)
  -c, --contents           with the list format: print each dict's keys and values
  -f, --fullname           with the list format: print full names instead of short names
  -h, --help               show this help
`;

export async function paramsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      defaults: { type: 'boolean', short: 'd' },
      expand: { type: 'string', short: 'e', multiple: true },
      'no-skipdups': { type: 'boolean', short: 's' },
      only: { type: 'string', multiple: true },
      no: { type: 'string', multiple: true },
      assign: { type: 'string', multiple: true },
      'object-params': { type: 'string' },
      objects: { type: 'string' },
      format: { type: 'string', default: 'list' },
      contents: { type: 'boolean', short: 'c' },
      fullname: { type: 'boolean', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    await writeAll(io.stdout, PARAMS_HELP);
    return EXIT.ok;
  }
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError('USAGE', 'params needs a config FILE');
  const format = values.format;
  if (format !== 'list' && format !== 'jsonl') {
    throw new UsageError('USAGE', `--format must be list or jsonl, not "${format}"`);
  }
  const assigns = (values.assign ?? []).map((kv) => {
    const eq = kv.indexOf('=');
    if (eq < 0) throw new UsageError('USAGE', `--assign needs KEY=VALUE, got "${kv}"`);
    return [kv.slice(0, eq), kv.slice(eq + 1)] as const;
  });
  const expand = (values.expand ?? []).flatMap((e) => e.split(',').map((x) => x.trim()));

  const out = new BufferedWriter(io.stdout);
  const errors: ConfigError[] = [];
  const cfg = new CartesianConfig({
    defaults: values.defaults === true,
    expandDefaults: expand,
    skipdups: values['no-skipdups'] !== true,
    cwd: io.cwd,
    onError: (e) => errors.push(e),
  });
  cfg.parseFile(file);
  for (const s of extra) cfg.parseString(s);
  for (const f of values.only ?? []) cfg.onlyFilter(f);
  for (const f of values.no ?? []) cfg.noFilter(f);
  for (const [k, v] of assigns) cfg.assign(k, v);
  if (errors.length > 0) return fail(errors, format, out, io);

  const objects = values.objects;
  const objectParams = values['object-params'];
  let count = 0;
  try {
    for (const d of cfg.dicts()) {
      count++;
      if (objects !== undefined) {
        await out.write(JSON.stringify(new Params(d).objects(objects)) + '\n');
      } else {
        const shown =
          objectParams === undefined ? d : new Params(d).objectParams(objectParams).toMap();
        await out.write(
          format === 'jsonl'
            ? JSON.stringify(dictToJson(shown)) + '\n'
            : listEntry(count, shown, values.fullname === true, values.contents === true),
        );
      }
      if (out.isClosed) break;
    }
  } catch (e) {
    if (e instanceof ConfigError) return fail([e], format, out, io);
    throw e;
  }
  await out.flush();
  return EXIT.ok;
}

async function fail(
  errors: readonly ConfigError[],
  format: string,
  out: BufferedWriter,
  io: CliIo,
): Promise<number> {
  if (format === 'jsonl' && errors[0] !== undefined) {
    await out.write(JSON.stringify({ error: diagnosticJson(errors[0]) }) + '\n');
  }
  await out.flush();
  await writeAll(io.stderr, errors.map(formatDiagnostic).join(''));
  return EXIT.usage;
}

/** The reference CLI's listing: `dict    1:  shortname`, and with -c the sorted contents. */
function listEntry(n: number, d: ParamDict, fullname: boolean, contents: boolean): string {
  const title = d.get(fullname ? 'name' : 'shortname');
  let s = `dict ${String(n).padStart(4)}:  ${title === undefined ? '' : pyStr(title)}\n`;
  if (contents) {
    const keys = [...d.keys()].sort(codePointCompare);
    for (const k of keys) s += `    ${k} = ${pyStr(d.get(k) ?? '')}\n`;
  }
  return s;
}

/** Python sorts strings by code point, JavaScript by UTF-16 unit; they differ above U+FFFF. */
function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
