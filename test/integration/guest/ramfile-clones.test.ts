import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { LINUX_GUEST_LOGIN, linuxGuestImage } from '../../helpers/linux-guest.js';
import { describeQemu } from '../../helpers/qemu-available.js';
import { runSuite, statuses, writeSuite } from '../../helpers/run-suite.js';

const CONFIGS = join(import.meta.dirname, '..', '..', '..', 'configs');

/**
 * Issue 12 on the real Linux guest: one running state saved as a ramfile, then three tests
 * from it at once, each on its own clone (overlays and its own qemu restored from the RAM
 * file), each seeing the guest's counter go on from the value it had when it was saved.
 */
describeQemu('tests side by side from one ramfile running state (real guest)', () => {
  let base = '';
  beforeAll(async () => {
    base = await linuxGuestImage();
  }, 900_000);

  it('restores three clones at once, each with its RAM back', async () => {
    const objects = `vms = vm1
images = image1
images_base_dir = images
swarm_pool = pool
image_size = 256M
states_images = qcow2ext
states_vms = ramfile
variants:
    - vm1:
        image_name_image1 = vm1
        mem = 256
        guest_access = serial
        guest_username = ${LINUX_GUEST_LOGIN.username}
        guest_password = ${LINUX_GUEST_LOGIN.password}
`;
    const tests = [1, 2, 3]
      .map(
        (i) => `            - t${i}:
                command = date +%s.%N > "$CARTOGRAPH_WORKDIR/t${i}.start" && cartograph copy "${join(CONFIGS, 'guest', 'check-counter.sh')}" :/tmp/check.sh && cartograph exec -- sh /tmp/check.sh && date +%s.%N > "$CARTOGRAPH_WORKDIR/t${i}.end"`,
      )
      .join('\n');
    const nodes = `variants:
    - install:
        vms = vm1
        get_state_images = root
        set_state_images = install
        command = cp "$CARTOGRAPH_BASE_IMAGE" "$CARTOGRAPH_IMAGE"
    - running:
        vms = vm1
        get_state_images = install
        set_state_vms = on_ready
        command = cartograph copy "${join(CONFIGS, 'guest', 'counter.sh')}" :/tmp/counter.sh && cartograph exec -- sh /tmp/counter.sh
    - tests:
        vms = vm1
        get_state_vms = on_ready
        variants:
${tests}
`;
    const dir = writeSuite(nodes, objects);
    process.env.CARTOGRAPH_BASE_IMAGE = base;
    try {
      const setup = await runSuite(dir, 'only=running');
      expect(setup.out).toContain('passed  running@vm1');
      copyFileSync(join(dir, 'pool', 'vm1', 'on_ready.ram'), join(dir, 'saved.ram'));
      const r = await runSuite(dir, '--jobs', '3');
      expect(statuses(r.report)).toEqual({
        'running@vm1': 'reused',
        'tests.t1@vm1': 'passed',
        'tests.t2@vm1': 'passed',
        'tests.t3@vm1': 'passed',
      });
      for (const n of r.report.nodes.filter((t) => t.status === 'passed')) {
        const log = readFileSync(n.log ?? '', 'utf8');
        expect(log).toMatch(/saved at \d+, now \d+, then \d+/);
      }
      // They ran side by side: each began before any of them ended.
      const time = (f: string): number => Number(readFileSync(join(dir, f), 'utf8'));
      const starts = [1, 2, 3].map((i) => time(`t${i}.start`));
      const ends = [1, 2, 3].map((i) => time(`t${i}.end`));
      expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
      // The saved state is what it was.
      const md5 = (f: string): string => createHash('md5').update(readFileSync(f)).digest('hex');
      expect(md5(join(dir, 'pool', 'vm1', 'on_ready.ram'))).toBe(md5(join(dir, 'saved.ram')));
    } finally {
      delete process.env.CARTOGRAPH_BASE_IMAGE;
    }
  }, 600_000);
});
