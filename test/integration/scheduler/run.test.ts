import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeQemu } from '../../helpers/qemu-available.js';
import { runCli } from '../../helpers/run-cli.js';
import {
  INSTALL_CUSTOMIZE,
  readCommand,
  runSuite,
  statuses,
  writeCommand,
  writeSuite,
} from '../../helpers/run-suite.js';

/**
 * `cartograph run` end to end on real QEMU: builds, reuses, rebuilds only what is missing,
 * blocks the dependants of a failure, retries, selects with only=/no=.
 */
const NODES = `variants:
${INSTALL_CUSTOMIZE}    - check:
        get_state_images = customize
        variants:
            - one:
                vms = vm1
                command = ${readCommand('$CARTOGRAPH_IMAGE_VM1_IMAGE1')}
            - two:
                vms = vm2
                command = ${readCommand('$CARTOGRAPH_IMAGE_VM2_IMAGE1')}
`;

const suite = (nodes = NODES): string => writeSuite(nodes);
const run = (dir: string, ...args: string[]) => runSuite(dir, '--jobs', '2', ...args);

describeQemu('cartograph run', () => {
  it('builds every state the first time and reuses all of them the second time', async () => {
    const dir = suite();
    const first = await run(dir);
    expect(first.code).toBe(0);
    expect(statuses(first.report)).toEqual({
      'install@vm1': 'passed',
      'install@vm2': 'passed',
      'customize@vm1': 'passed',
      'customize@vm2': 'passed',
      'check.one@vm1': 'passed',
      'check.two@vm2': 'passed',
    });
    const node = first.report.nodes.find((n) => n.name === 'customize@vm1');
    expect(node).toMatchObject({
      objects: ['vm1'],
      get: ['install@vm1/image1'],
      set: ['customize@vm1/image1'],
      attempts: 1,
    });
    expect(readFileSync(node?.log ?? '', 'utf8')).toContain('qemu-io');

    const second = await run(dir);
    expect(second.code).toBe(0);
    expect(statuses(second.report)).toEqual({
      'customize@vm1': 'reused',
      'customize@vm2': 'reused',
      'check.one@vm1': 'passed',
      'check.two@vm2': 'passed',
    });
    expect(second.report.summary).toEqual({
      passed: 2,
      failed: 0,
      blocked: 0,
      reused: 2,
      skipped: 0,
    });
  });

  it('rebuilds only the step whose state was removed', async () => {
    const dir = suite();
    expect((await run(dir)).code).toBe(0);
    rmSync(join(dir, 'pool', 'vm1', 'image1', 'customize.qcow2'));
    const again = await run(dir);
    expect(again.code).toBe(0);
    expect(statuses(again.report)).toEqual({
      'install@vm1': 'reused',
      'customize@vm1': 'passed',
      'customize@vm2': 'reused',
      'check.one@vm1': 'passed',
      'check.two@vm2': 'passed',
    });
  });

  it('blocks the dependants of a failed setup node and lets the other chain go on', async () => {
    const dir = suite(
      NODES.replace(
        writeCommand('0x22', '64k'),
        `${writeCommand('0x22', '64k')} && test "$CARTOGRAPH_VM" != vm1`,
      ),
    );
    const r = await run(dir);
    expect(r.code).toBe(1);
    const s = statuses(r.report);
    expect(s['customize@vm1']).toBe('failed');
    expect(s['check.one@vm1']).toBe('blocked');
    expect(s['check.two@vm2']).toBe('passed');
    expect(r.report.nodes.find((n) => n.name === 'customize@vm1')?.reason).toContain(
      'exited with code 1',
    );
  });

  it('retries a test up to max_tries', async () => {
    const nodes = NODES.replace(
      '            - two:',
      '                max_tries = 3\n            - two:',
    ).replace(
      readCommand('$CARTOGRAPH_IMAGE_VM1_IMAGE1'),
      `test "$CARTOGRAPH_ATTEMPT" -ge 3 && ${readCommand('$CARTOGRAPH_IMAGE_VM1_IMAGE1')}`,
    );
    const r = await run(suite(nodes), 'only=one');
    expect(r.code).toBe(0);
    expect(r.report.nodes.find((n) => n.name === 'check.one@vm1')).toMatchObject({
      status: 'passed',
      attempts: 3,
    });
  });

  it('picks nodes with only= and no=, pulling in the setup they need', async () => {
    const dir = suite();
    const r = await run(dir, 'only=check', 'no=one', '--junit', 'junit.xml');
    expect(r.code).toBe(0);
    expect(Object.keys(statuses(r.report)).sort()).toEqual([
      'check.two@vm2',
      'customize@vm2',
      'install@vm2',
    ]);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain(
      '<testcase classname="cartograph" name="check.two@vm2"',
    );
  });

  it('exits 2 on a config error, naming the file and line', async () => {
    const dir = suite(NODES.replace('get_state_images = customize', 'get_state_images = nope'));
    const r = await runCli(['run', '--objects', 'objects.cfg', '--nodes', 'nodes.cfg'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[GRAPH_NO_PRODUCER]');
    expect(r.stderr).toContain('nodes.cfg:11:9: note: get_state_images = nope');
  });
});
