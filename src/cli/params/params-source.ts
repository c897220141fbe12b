import type { ConfigError } from '../../errors.js';
import { CartesianConfig } from '../../parser/index.js';

/**
 * What `cartograph params` expands: the config file, the extra text after it and the filters
 * and assignments of the command line. Plain data, so a worker thread can load the same
 * config the main thread did.
 */
export interface ParamsSource {
  readonly file: string;
  readonly extra: readonly string[];
  readonly only: readonly string[];
  readonly no: readonly string[];
  readonly assign: readonly (readonly [string, string])[];
  readonly defaults: boolean;
  readonly expand: readonly string[];
  readonly skipdups: boolean;
  readonly cwd: string;
}

/** Parses the source; errors that do not stop the parser go to `onError`. */
export function loadParamsSource(
  src: ParamsSource,
  onError: (e: ConfigError) => void,
): CartesianConfig {
  const cfg = new CartesianConfig({
    defaults: src.defaults,
    expandDefaults: src.expand,
    skipdups: src.skipdups,
    cwd: src.cwd,
    onError,
  });
  cfg.parseFile(src.file);
  for (const s of src.extra) cfg.parseString(s);
  for (const f of src.only) cfg.onlyFilter(f);
  for (const f of src.no) cfg.noFilter(f);
  for (const [k, v] of src.assign) cfg.assign(k, v);
  return cfg;
}
