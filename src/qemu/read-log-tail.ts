import { readFile } from 'node:fs/promises';
import { tailText } from './tail-text.js';

/** The last lines of a vm's log file; empty when there is none. */
export async function readLogTail(path: string): Promise<string> {
  try {
    return tailText(await readFile(path, 'utf8'));
  } catch {
    return '';
  }
}
