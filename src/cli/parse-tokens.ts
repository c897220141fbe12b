/**
 * The `KEY=VALUE` tokens of run and state commands, the way avocado-i2n's command line takes
 * them: `only=FILTER` / `no=FILTER` pick nodes (several are ANDed), `vms=vm1,vm2` picks vms,
 * `only_vm1=FILTER` / `no_vm1=FILTER` narrow a vm's variants, anything else overrides a
 * parameter.
 */
import { UsageError } from '../errors.js';

export interface RunTokens {
  readonly only: readonly string[];
  readonly no: readonly string[];
  readonly vms: readonly string[] | undefined;
  readonly vmOnly: ReadonlyMap<string, readonly string[]>;
  readonly vmNo: ReadonlyMap<string, readonly string[]>;
  /** Every token but `only`, `no` and `vms`, as assignments. */
  readonly assignments: readonly (readonly [string, string])[];
}

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function parseTokens(tokens: readonly string[]): RunTokens {
  const only: string[] = [];
  const no: string[] = [];
  let vms: string[] | undefined;
  const vmOnly = new Map<string, string[]>();
  const vmNo = new Map<string, string[]>();
  const assignments: [string, string][] = [];
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq <= 0) throw new UsageError('USAGE', `expected KEY=VALUE, got "${token}"`);
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (!KEY.test(key)) throw new UsageError('USAGE', `"${key}" is not a parameter name`);
    if (key === 'only') only.push(value);
    else if (key === 'no') no.push(value);
    else if (key === 'vms') vms = value.split(/[,\s]+/).filter((v) => v !== '');
    else {
      const m = /^(only|no)_(.+)$/.exec(key);
      if (m !== null) {
        const map = m[1] === 'only' ? vmOnly : vmNo;
        const vm = m[2] as string;
        map.set(vm, [...(map.get(vm) ?? []), value]);
      }
      assignments.push([key, value]);
    }
  }
  return { only, no, vms, vmOnly, vmNo, assignments };
}
