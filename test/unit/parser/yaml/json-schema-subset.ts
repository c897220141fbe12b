/**
 * A small validator for the part of JSON Schema (draft 2020-12) that
 * docs/cartograph-config.schema.json uses, so the schema can be tested without a new
 * dependency. `unsupportedKeywords` makes sure the schema stays inside that part.
 */
type Schema = boolean | { readonly [keyword: string]: unknown };

const SUPPORTED = new Set([
  '$schema',
  '$ref',
  '$defs',
  'title',
  'description',
  'examples',
  'type',
  'enum',
  'pattern',
  'minLength',
  'items',
  'minItems',
  'properties',
  'patternProperties',
  'additionalProperties',
  'propertyNames',
  'required',
  'minProperties',
  'maxProperties',
  'anyOf',
  'not',
]);

/** Keywords of `schema` (and its subschemas) that `validate` does not implement. */
export function unsupportedKeywords(schema: unknown): string[] {
  const out = new Set<string>();
  const walk = (s: unknown, inMap: boolean): void => {
    if (s === null || typeof s !== 'object') return;
    if (Array.isArray(s)) {
      for (const x of s) walk(x, false);
      return;
    }
    for (const [k, v] of Object.entries(s)) {
      if (!inMap && !SUPPORTED.has(k)) out.add(k);
      if (k === 'enum' || k === 'examples') continue;
      walk(v, !inMap && (k === 'properties' || k === 'patternProperties' || k === '$defs'));
    }
  };
  walk(schema, false);
  return [...out];
}

/** The errors of `data` against `root` (empty when valid), as "path: problem". */
export function validate(root: Schema, data: unknown): string[] {
  const resolveRef = (ref: string): Schema => {
    const m = /^#\/\$defs\/(.+)$/.exec(ref);
    const defs =
      typeof root === 'object' ? (root.$defs as Record<string, Schema> | undefined) : undefined;
    const target = m?.[1] === undefined ? undefined : defs?.[m[1]];
    if (target === undefined) throw new Error(`unresolvable $ref ${ref}`);
    return target;
  };

  const check = (schema: Schema, value: unknown, path: string): string[] => {
    if (schema === true) return [];
    if (schema === false) return [`${path}: not allowed`];
    const errors: string[] = [];
    const s = schema;
    if (typeof s.$ref === 'string') errors.push(...check(resolveRef(s.$ref), value, path));
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.includes(typeOf(value)))
        errors.push(`${path}: expected ${types.join('|')}, got ${typeOf(value)}`);
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => e === value))
      errors.push(`${path}: not in enum`);
    if (
      Array.isArray(s.anyOf) &&
      !s.anyOf.some((sub) => check(sub as Schema, value, path).length === 0)
    ) {
      errors.push(`${path}: matches none of anyOf`);
    }
    if (s.not !== undefined && check(s.not as Schema, value, path).length === 0)
      errors.push(`${path}: matches "not"`);
    if (typeof value === 'string') {
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) {
        errors.push(`${path}: "${value}" does not match ${s.pattern}`);
      }
      if (typeof s.minLength === 'number' && [...value].length < s.minLength)
        errors.push(`${path}: too short`);
    }
    if (Array.isArray(value)) {
      if (typeof s.minItems === 'number' && value.length < s.minItems)
        errors.push(`${path}: too few items`);
      if (s.items !== undefined)
        value.forEach((v, i) => errors.push(...check(s.items as Schema, v, `${path}[${i}]`)));
    }
    if (typeOf(value) === 'object') {
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      if (typeof s.minProperties === 'number' && keys.length < s.minProperties)
        errors.push(`${path}: too few keys`);
      if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties)
        errors.push(`${path}: too many keys`);
      for (const r of (s.required as string[] | undefined) ?? [])
        if (!(r in obj)) errors.push(`${path}: missing ${r}`);
      const props = (s.properties as Record<string, Schema> | undefined) ?? {};
      const patterns = Object.entries(
        (s.patternProperties as Record<string, Schema> | undefined) ?? {},
      );
      for (const k of keys) {
        const at = `${path}.${k}`;
        if (s.propertyNames !== undefined)
          errors.push(...check(s.propertyNames as Schema, k, `${at} (name)`));
        let matched = false;
        if (k in props) {
          matched = true;
          errors.push(...check(props[k] as Schema, obj[k], at));
        }
        for (const [p, sub] of patterns) {
          if (new RegExp(p, 'u').test(k)) {
            matched = true;
            errors.push(...check(sub, obj[k], at));
          }
        }
        if (!matched && s.additionalProperties !== undefined) {
          errors.push(...check(s.additionalProperties as Schema, obj[k], at));
        }
      }
    }
    return errors;
  };

  return check(root, data, '$');
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
