import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, UsageError } from '../../errors.js';
import { diagnosticJson, formatDiagnostic } from '../../report/index.js';
import { type CliIo, EXIT, writeAll } from '../main.js';
import { loadParamsSource, type ParamsSource } from './params-source.js';
import { BufferedWriter, type DictEntryOptions, writeDicts } from './write-dicts.js';

/**
 * Lets V8's old generation grow by 20 % over what survived the last full collection instead of
 * its default (up to several times that). A long expansion turns over gigabytes of short-lived
 * strings while its live heap stays near 80 MB; by default the heap swells between full
 * collections (avocado-i2n's `guest.cfg`: 650 MB resident with two threads, 230 MB with one)
 * and the collections come late. Measured here: 350 MB and 200 MB with the same or better
 * times. The flag is read at each collection (also by worker threads: V8 flags are
 * per-process), so setting it before the expansion starts is enough.
 */
export function limitHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=20');
}

/**
 * `cartograph params [options] FILE [EXTRA...]`: parse a Cartesian config (then each EXTRA
 * string as config text after it) and print the dicts, streamed.
 */
/** More threads than this add memory but little speed: writing the output is serial. */
const MAX_THREADS = 4;

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
  -j, --jobs N             expand in up to N threads when it takes long (default: the
                           number of cores, at most 4); the output is the same
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
      jobs: { type: 'string', short: 'j' },
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
  let threads = Math.min(availableParallelism(), MAX_THREADS);
  if (values.jobs !== undefined) {
    threads = Number(values.jobs);
    if (!Number.isInteger(threads) || threads < 1) {
      throw new UsageError('USAGE', `--jobs needs a positive whole number, not "${values.jobs}"`);
    }
  }

  const out = new BufferedWriter(io.stdout);
  const errors: ConfigError[] = [];
  const source: ParamsSource = {
    file,
    extra,
    only: values.only ?? [],
    no: values.no ?? [],
    assign: assigns,
    defaults: values.defaults === true,
    expand,
    skipdups: values['no-skipdups'] !== true,
    cwd: io.cwd,
  };
  const cfg = loadParamsSource(source, (e) => errors.push(e));
  if (errors.length > 0) return fail(errors, format, out, io);
  const entry: DictEntryOptions = {
    format,
    objects: values.objects,
    objectParams: values['object-params'],
    fullname: values.fullname === true,
    contents: values.contents === true,
  };
  limitHeapGrowth();
  try {
    await writeDicts({ cfg, source, entry, out, threads });
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
