/**
 * The text `cartograph params` prints for one dict. In the list format each entry starts with
 * `dict N:`, which only the writer knows (dicts may be expanded in several threads), so the
 * entry here is what follows the number.
 */
import { dictToJson, type ParamDict } from '../parser/dict.js';
import { pyStr } from '../parser/py-repr.js';
import { Params } from '../params/params.js';

export interface DictEntryOptions {
  readonly format: 'list' | 'jsonl';
  /** Print the objects listed in this key, as a JSON list. */
  readonly objects?: string | undefined;
  /** Print the parameters of this object. */
  readonly objectParams?: string | undefined;
  readonly fullname: boolean;
  readonly contents: boolean;
}

/** Whether entries are numbered (`dict N:  ...`): the reference CLI's listing. */
export function isNumbered(o: DictEntryOptions): boolean {
  return o.objects === undefined && o.format === 'list';
}

/** The prefix of the n-th numbered entry. */
export function entryNumber(n: number): string {
  return `dict ${String(n).padStart(4)}:  `;
}

export function dictEntry(d: ParamDict, o: DictEntryOptions): string {
  if (o.objects !== undefined) return JSON.stringify(new Params(d).objects(o.objects)) + '\n';
  const shown =
    o.objectParams === undefined ? d : new Params(d).objectParams(o.objectParams).toMap();
  if (o.format === 'jsonl') return JSON.stringify(dictToJson(shown)) + '\n';
  const title = shown.get(o.fullname ? 'name' : 'shortname');
  let s = `${title === undefined ? '' : pyStr(title)}\n`;
  if (o.contents) {
    const keys = [...shown.keys()].sort(codePointCompare);
    for (const k of keys) s += `    ${k} = ${pyStr(shown.get(k) ?? '')}\n`;
  }
  return s;
}

/** Python sorts strings by code point, JavaScript by UTF-16 unit; they differ above U+FFFF. */
function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
