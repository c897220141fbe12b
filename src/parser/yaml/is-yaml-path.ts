/** True for paths that name a YAML config (`.yaml` / `.yml`, any case); everything else is `.cfg`. */
export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}
