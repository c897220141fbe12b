/**
 * A small suite for end-to-end tests of `cartograph run` on real QEMU: two vms with one
 * qcow2ext image each, node commands that write and read byte patterns with qemu-io, and
 * helpers that run the commands in the suite's directory and read the JSON report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../../src/scheduler/index.js';
import { runCli } from './run-cli.js';
import { tempDir } from './temp-dir.js';

/** vm1 and vm2, one 16M qcow2ext image each (`images/vm1`, `images/vm2`), pool `pool`. */
export const TWO_VMS = `vms = vm1 vm2
images = image1
images_base_dir = images
swarm_pool = pool
image_size = 16M
states_images = qcow2ext
variants:
    - vm1:
        image_name_image1 = vm1
    - vm2:
        image_name_image1 = vm2
`;

/** A node command that writes 64k of byte `pattern` at `offset` of the node's first image. */
export const writeCommand = (pattern: string, offset: string): string =>
  `qemu-io -f qcow2 -c "write -q -P ${pattern} ${offset} 64k" "$CARTOGRAPH_IMAGE"`;

/** A node command that checks the patterns install (0x11) and customize (0x22) wrote. */
export const readCommand = (image = '$CARTOGRAPH_IMAGE'): string =>
  `qemu-io -r -f qcow2 -c "read -q -P 0x11 0 64k" -c "read -q -P 0x22 64k 64k" "${image}"`;

/** install (0x11 at 0) and customize (0x22 at 64k) of any vm, as setup nodes. */
export const INSTALL_CUSTOMIZE = `    - install:
        get_state_images = root
        set_state_images = install
        command = ${writeCommand('0x11', '0')}
    - customize:
        get_state_images = install
        set_state_images = customize
        command = ${writeCommand('0x22', '64k')}
`;

/** The config options of a suite written by {@link writeSuite}. */
export const SUITE_CONFIG = ['--objects', 'objects.cfg', '--nodes', 'nodes.cfg'];

/** Writes `objects.cfg` and `nodes.cfg` into `dir` (a fresh temp dir by default). */
export function writeSuite(
  nodes: string,
  objects = TWO_VMS,
  dir = tempDir('cartograph-run-'),
): string {
  writeFileSync(join(dir, 'objects.cfg'), objects);
  writeFileSync(join(dir, 'nodes.cfg'), nodes);
  return dir;
}

/** `cartograph run` of the suite in `dir`, with its JSON report and output. */
export async function runSuite(
  dir: string,
  ...args: string[]
): Promise<{ code: number; report: RunReport; out: string }> {
  const r = await runCli(['run', ...SUITE_CONFIG, '--report', 'report.json', ...args], dir);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;
  return { code: r.code, report, out: r.stdout + r.stderr };
}

/** Each node's status in a report, by node name. */
export const statuses = (report: RunReport): Record<string, string> =>
  Object.fromEntries(report.nodes.map((n) => [n.name, n.status]));
