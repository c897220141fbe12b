import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { LockHolder } from './lock-holder.js';
import { processStartTime } from './process-start-time.js';
import { readProcText } from './read-proc-text.js';

/** What identifies a process across processes of one machine (see {@link LockHolder}). */
export type ProcessIdentity = Pick<LockHolder, 'pid' | 'host' | 'boot' | 'pidns' | 'start'>;

let self: ProcessIdentity | undefined;

/** The identity of this process (read once). */
export function processIdentity(): ProcessIdentity {
  self ??= {
    pid: process.pid,
    host: hostname(),
    boot: readProcText(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidns: readProcText(() => readlinkSync('/proc/self/ns/pid')),
    start: processStartTime(process.pid),
  };
  return self;
}
