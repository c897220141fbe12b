import { UsageError } from '../errors.js';

/** The `KEY=VALUE` tokens of a state command, sorted by what they do. */
export interface StateTokens {
  /** `vms=vm1,vm2`: the vms to load (default: the config's `vms`). */
  vms: string[] | undefined;
  /** `only_<vm>=FILTER`, per vm, in order. */
  only: Map<string, string[]>;
  /** `no_<vm>=FILTER`, per vm, in order. */
  no: Map<string, string[]>;
  /** Every other token: assignments applied after the objects config. */
  assignments: [string, string][];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

/**
 * Sorts command-line tokens: `vms=` selects vms (commas or spaces), `only_<vm>=` and
 * `no_<vm>=` narrow a vm's variants, anything else `KEY=VALUE` overrides a parameter
 * (`set_state_images=customize`). A token without `=` or with a bad key is a usage error.
 */
export function parseStateTokens(tokens: readonly string[]): StateTokens {
  const result: StateTokens = { vms: undefined, only: new Map(), no: new Map(), assignments: [] };
  for (const token of tokens) {
    const eq = token.indexOf('=');
    const key = eq < 0 ? '' : token.slice(0, eq);
    if (!KEY.test(key)) {
      throw new UsageError('USAGE', `expected KEY=VALUE, got "${token}"`);
    }
    const value = token.slice(eq + 1);
    if (key === 'vms') {
      result.vms = value.split(/[\s,]+/).filter((v) => v !== '');
    } else if (key.startsWith('only_') && key.length > 5) {
      push(result.only, key.slice(5), value);
    } else if (key.startsWith('no_') && key.length > 3) {
      push(result.no, key.slice(3), value);
    } else {
      result.assignments.push([key, value]);
    }
  }
  return result;
}
