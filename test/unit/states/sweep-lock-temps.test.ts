import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sweepLockTemps } from '../../../src/states/sweep-lock-temps.js';
import { tempDir } from '../../helpers/temp-dir.js';

it('removes the temporary files of dead creators of a lock, and only those', async () => {
  const dir = tempDir('cartograph-sweep-');
  const gone = spawnSync('true').pid; // exited: its pid is free
  const files = [
    `.pool.lock.${gone}.0a1b2c3d.tmp`, // a creator killed half-way
    `.pool.lock.${process.pid}.0a1b2c3d.tmp`, // this process, maybe creating it right now
    `.pool.lock.${process.ppid}.0a1b2c3d.tmp`, // a live process
    `.pool.lock.break-${gone}.0a1b2c3d.tmp`, // another lock's temporary file
    `.other.lock.${gone}.0a1b2c3d.tmp`,
    'state.qcow2',
  ];
  for (const f of files) writeFileSync(join(dir, f), '');
  await sweepLockTemps(join(dir, '.pool.lock'));
  expect(readdirSync(dir).sort()).toEqual(files.slice(1).sort());
});
