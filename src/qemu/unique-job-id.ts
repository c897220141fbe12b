import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A QMP job id that no other job of this or another process uses: QEMU keeps concluded jobs
 * until `job-dismiss` and refuses an id that is taken. Ids must start with a letter.
 */
export function uniqueJobId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
}
