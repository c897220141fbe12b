/** parser/yaml: the public face of this folder (re-exports only). */
export { convertConfig } from './convert-config.js';
export { parseFilterText } from './parse-filter-text.js';
export { isYamlPath } from './is-yaml-path.js';
export { parseYaml, type YamlParserOptions } from './parse-yaml.js';
