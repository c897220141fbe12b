/**
 * Name of a dict made by `join` from two dicts (the reference's `mk_name`): the common prefix
 * of the two names, cut back to its last `.`, is kept once. The prefix is used as a Python
 * regex, unescaped, which is why named-variant names keep their prefix (cartesian-spec §10).
 * Returns undefined where the reference fails: equal names, or one a prefix of the other.
 */
import { pyPrefixRegex } from './py-regex.js';

export function joinName(n1: string, n2: string): string | undefined {
  const n = Math.min(n1.length, n2.length);
  let i = 0;
  while (i < n && n1[i] === n2[i]) i++;
  if (i === n) return undefined;
  const common = n1.slice(0, i);
  const cut = common.lastIndexOf('.');
  const cp = cut < 0 ? '' : common.slice(0, cut);
  if (cp === '') return `${n1}.${n2}`;
  const re = pyPrefixRegex(cp);
  return cp + n1.replace(re, '') + n2.replace(re, '');
}
