import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { findVm, type ShowResult, type StateResult } from '../../../src/states/index.js';
import { describeQemu } from '../../helpers/qemu-available.js';
import { useQemuSandbox } from '../../helpers/qemu-sandbox.js';
import { runCli } from '../../helpers/run-cli.js';
import { hasPattern, writePattern } from '../../helpers/states-fixture.js';
import { vmTarget } from '../../helpers/states-targets.js';

const OBJECTS = `vms = vm1
images_base_dir = images
swarm_pool = pool
image_size = 16M
mem = 64
states_images = qcow2
states_vms = qcow2vt
variants:
    - vm1:
        images = image1
        image_name_image1 = vm1/disk
        variants:
            - tiny:
                os = tiny
`;

describeQemu('state commands from the command line', () => {
  const sandbox = useQemuSandbox();

  async function workspace(): Promise<{
    dir: string;
    disk: string;
    run: (...a: string[]) => ReturnType<typeof runCli>;
  }> {
    const dir = await sandbox.dir();
    await writeFile(join(dir, 'objects.cfg'), OBJECTS);
    const run = (...argv: string[]) => {
      const [op = '', ...rest] = argv;
      return runCli([op, '--objects', 'objects.cfg', ...rest], dir);
    };
    return { dir, disk: join(dir, 'images', 'vm1', 'disk.qcow2'), run };
  }

  for (const backend of ['qcow2', 'qcow2ext'] as const) {
    it(`takes an image through create → set → modify → get → unset with ${backend}`, async () => {
      const { disk, run } = await workspace();
      const b = `states_images=${backend}`;
      const created = await run('create', b);
      expect(created).toMatchObject({ code: 0, stderr: '' });
      expect(created.stdout).toBe('vm1-tiny/image1: create root: created [check_mode rf: f]\n');
      await writePattern(disk, 0xab);

      const set = await run('set', b, 'set_state_images=install');
      expect(set.code).toBe(0);
      expect(set.stdout).toMatch(/^vm1-tiny\/image1: set install: created \[set_mode ff: f\]/);
      await writePattern(disk, 0xcd);

      const shown = await run('show', b, '--json');
      expect(shown.code).toBe(0);
      const { objects } = JSON.parse(shown.stdout) as { objects: ShowResult[] };
      expect(objects.map((o) => [o.target, o.backend, o.states.map((s) => s.name)])).toEqual([
        ['vm1-tiny/image1', backend, ['install']],
        ['vm1-tiny', 'qcow2vt', []],
      ]);
      expect((await run('show', b)).stdout).toBe(
        `vm1-tiny/image1 [${backend}]: install\nvm1-tiny [qcow2vt]: -\n`,
      );

      const got = await run('get', b, 'get_state_images=install', '--json');
      expect(got.code).toBe(0);
      expect((JSON.parse(got.stdout) as { results: StateResult[] }).results[0]).toMatchObject({
        op: 'get',
        action: 'restored',
        policy: { param: 'get_mode', value: 'ra', letter: 'r' },
      });
      expect(await hasPattern(disk, 0xab)).toBe(true);

      expect((await run('check', b, 'check_state_images=install')).code).toBe(0);
      const unset = await run('unset', b, 'unset_state_images=install');
      expect(unset.stdout).toMatch(/install: removed \[unset_mode fi: f\]/);
      const check = await run('check', b, 'check_state_images=install');
      expect(check).toMatchObject({ code: 1, stdout: 'vm1-tiny/image1: install missing\n' });
      expect(await hasPattern(disk, 0xab)).toBe(true);

      expect((await run('clean', b)).stdout).toBe(
        'vm1-tiny/image1: clean root: removed [unset_mode fi: f] (removed ' + disk + ')\n',
      );
      expect((await run('show', b)).stdout).toContain('(no image)');
    });
  }

  it('takes a vm through boot → set → get → unset → shutdown with qcow2vt, leaving it running in between', async () => {
    const { dir, run } = await workspace();
    const vm = vmTarget({}, [], { vm: 'vm1', vmId: 'vm1-tiny' });
    const ctx = { cwd: dir, runDir: '.cartograph/run' };
    expect((await run('boot')).stdout).toContain('vm1-tiny: boot boot: created [check_mode rf: f]');
    const running = await findVm(vm, ctx);
    expect(running?.qmpSocket).toBe(join(dir, '.cartograph', 'run', 'vm1-tiny', 'qmp.sock'));

    expect((await run('set', 'set_state_vms=ready')).code).toBe(0);
    expect((await run('show')).stdout).toBe(
      `vm1-tiny/image1 [qcow2]: -\nvm1-tiny [qcow2vt] (running, pid ${running?.pid ?? '?'}): ready\n`,
    );
    expect((await run('get', 'get_state_vms=ready')).stdout).toContain('ready: restored');
    expect((await findVm(vm, ctx))?.pid).toBe(running?.pid);
    expect((await run('unset', 'unset_state_vms=ready')).code).toBe(0);
    const down = await run('shutdown', '-v');
    expect(down.stdout).toContain('vm1-tiny: shutdown boot: removed');
    expect(down.stderr).toContain('stopped (quit)');
    expect(await findVm(vm, ctx)).toBeUndefined();
  });

  it('pushes and pops, converts, and stops the vm when an image operation needs it off', async () => {
    const { dir, disk, run } = await workspace();
    await run('create');
    await writePattern(disk, 0x11);
    expect((await run('push', 'push_state_images=tmp')).stdout).toContain(
      'set (push) tmp: created',
    );
    await writePattern(disk, 0x22);
    expect((await run('pop', 'pop_state_images=tmp')).stdout).toBe(
      'vm1-tiny/image1: get (pop) tmp: restored [pop_mode ra: r]\n' +
        'vm1-tiny/image1: unset (pop) tmp: removed [pop_mode fa: f]\n',
    );
    expect(await hasPattern(disk, 0x11)).toBe(true);

    await run('boot');
    const set = await run('set', 'set_state_images=off', '-v');
    expect(set.code).toBe(0);
    expect(set.stderr).toContain(
      'vm1-tiny: stopped (quit): set of state "off" of vm1-tiny/image1 needs it off',
    );

    await writeFile(join(dir, 'source.img'), Buffer.alloc(1024 * 1024, 0x33));
    const converted = await run('convert', 'raw_image=source.img');
    expect(converted.code).toBe(0);
    expect(converted.stdout).toContain('convert root: overwritten');
    expect(await hasPattern(disk, 0x33, 0, '1M')).toBe(true);
  });

  it('exits 1 on an abort naming the object, the state and the letter; 2 on usage and config errors', async () => {
    const { dir, run } = await workspace();
    await run('create');
    const abort = await run('get', 'get_state_images=nothing');
    expect(abort.code).toBe(1);
    expect(abort.stdout).toBe('');
    expect(abort.stderr).toBe(
      'cartograph: vm1-tiny/image1: state "nothing" is missing and get_mode = ra says abort (a) [STATE_ABORT]\n',
    );
    const json = await run('get', 'get_state_images=nothing', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ results: [], error: { code: 'STATE_ABORT' } });

    const letter = await run('set', 'set_state_images=s', 'set_mode=xf');
    expect(letter.code).toBe(2);
    // Refused before anything runs, at the token that set it.
    expect(letter.stderr).toContain('<command line>:1:12: set_mode = "xf" for vm1-tiny');
    expect(letter.stderr).toContain('[STATE_BAD_POLICY]');

    expect((await run('set', 'set_state_images=../x')).code).toBe(2);
    expect((await run('set', 'states_images=lvm', 'set_state_images=x')).code).toBe(2);
    const nothing = await run('get');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('no object names a state to get');
    expect((await run('show', 'oops')).code).toBe(2);
    expect((await run('show', '--nope')).code).toBe(2);
    expect((await runCli(['show'], dir)).code).toBe(2);
    expect((await run('show', 'vms=vm9')).code).toBe(2);
    expect((await run('check')).code).toBe(2);
    const help = await run('set', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: cartograph set');
    const helpMain = await runCli(['--help'], dir);
    expect(helpMain.stdout).toContain('boot | shutdown');
  });

  it('narrows variants with only_<vm> and selects vms with vms=', async () => {
    const dir = await sandbox.dir();
    await writeFile(
      join(dir, 'objects.cfg'),
      OBJECTS.replace(
        '            - tiny:\n                os = tiny\n',
        '            - tiny:\n                os = tiny\n            - big:\n                os = big\n',
      ),
    );
    const all = await runCli(['show', '--objects', 'objects.cfg'], dir);
    expect(
      all.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['vm1-tiny/image1', 'vm1-tiny', 'vm1-big/image1', 'vm1-big']);
    const only = await runCli(['show', '--objects', 'objects.cfg', 'only_vm1=big', 'vms=vm1'], dir);
    expect(only.stdout).toBe('vm1-big/image1 [qcow2] (no image): -\nvm1-big [qcow2vt]: -\n');
    const no = await runCli(['show', '--objects', 'objects.cfg', 'no_vm1=big'], dir);
    expect(no.stdout).toContain('vm1-tiny [qcow2vt]');
    expect(no.stdout).not.toContain('big');
  });
});
