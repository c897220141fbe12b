/**
 * Gate for tests that run real QEMU programs: they run when qemu-img, qemu-io and
 * qemu-system-x86_64 are on PATH and are skipped otherwise, except with
 * CARTOGRAPH_REQUIRE_QEMU=1 (CI), where missing tools are a failing test, so that a green CI
 * cannot hide a missing install step.
 */
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

const TOOLS = ['qemu-img', 'qemu-io', 'qemu-system-x86_64'];
const missing = TOOLS.filter(
  (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).error !== undefined,
);

/** `describe` for tests that need the QEMU tools (see the file comment for the rules). */
export function describeQemu(name: string, body: () => void): void {
  if (missing.length === 0) {
    describe(name, body);
  } else if (process.env.CARTOGRAPH_REQUIRE_QEMU === '1') {
    describe(name, () => {
      it('has the QEMU tools', () => {
        throw new Error(
          `CARTOGRAPH_REQUIRE_QEMU=1 but ${missing.join(', ')} not found on PATH; ` +
            'install qemu-utils and qemu-system-x86 (node scripts/setup.js --qemu)',
        );
      });
    });
  } else {
    describe.skip(`${name} (QEMU tools missing: ${missing.join(', ')})`, body);
  }
}
