/** Options of the printers (`printYaml`, `printCfg`). */
export interface PrintOptions {
  /**
   * Rewrites the path of each `include` (for example `a.cfg` → `a.yaml` when a whole tree is
   * converted). @default the path as written
   */
  includePath?: (path: string) => string;
}
