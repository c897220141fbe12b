import { parseArgs } from 'node:util';
import { ConfigError, UsageError } from '../../errors.js';
import { convertConfig } from '../../parser/index.js';
import { formatDiagnostic } from '../../report/index.js';
import { type CliIo, EXIT, writeAll } from '../main.js';

/**
 * `cartograph convert-config [options] FILE`: prints a Cartesian config in the other syntax,
 * `.cfg` as YAML and `.yaml`/`.yml` as `.cfg` (docs/yaml-config.md).
 */
export const CONVERT_CONFIG_HELP = `usage: cartograph convert-config [options] FILE

Prints the Cartesian config FILE in the other syntax: a .cfg file as YAML, a .yaml or
.yml file as .cfg. Both yield the same dicts. Comments are not carried over; include
lines are kept as written (convert the included files one by one), and the included
files must exist.

options:
      --to FORMAT   yaml or cfg (default: the other syntax than FILE's)
  -h, --help        show this help
`;

export async function convertConfigCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    await writeAll(io.stdout, CONVERT_CONFIG_HELP);
    return EXIT.ok;
  }
  const [file, ...extra] = positionals;
  if (file === undefined) throw new UsageError('USAGE', 'convert-config needs a config FILE');
  if (extra.length > 0) {
    throw new UsageError('USAGE', `convert-config takes one FILE, got also "${extra.join(' ')}"`);
  }
  const to = values.to;
  if (to !== undefined && to !== 'yaml' && to !== 'cfg') {
    throw new UsageError('USAGE', `--to must be yaml or cfg, not "${to}"`);
  }
  const errors: ConfigError[] = [];
  const text = convertConfig(file, {
    cwd: io.cwd,
    report: (e) => errors.push(e),
    ...(to === undefined ? {} : { to }),
  });
  if (text === undefined || errors.length > 0) {
    await writeAll(io.stderr, errors.map(formatDiagnostic).join(''));
    return EXIT.usage;
  }
  await writeAll(io.stdout, text);
  return EXIT.ok;
}
