// Benchmarks of real vms (issues 11 and 12), through the command line as users run it:
// - clones: K sleep-bound tests from one qcow2ext state, --jobs K against --jobs 1 (they
//   wait, they do not compute: the target is at least 0.9 × K);
// - the Linux test guest under TCG: boot to the first exec, an exec round trip per transport,
//   saving and restoring its running state (qcow2vt savevm/loadvm and ramfile), the restore to
//   the first exec, and K tests from one ramfile state against one (target ≤ 1.5× for K = 2).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'cartograph.js');
const out = join(root, 'bench', 'out');

function cli(dir, args, options = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { ...process.env, CI: '1', ...options.env },
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (r.status !== 0 && options.check !== false) {
    throw new Error(`cartograph ${args.join(' ')} failed in ${dir}: ${r.stdout}${r.stderr}`);
  }
  return { ms, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function fresh(name) {
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** K tests that sleep, all from the install state of one vm: they run on clones. */
export function clonesBench({ ks = [2, 4, 8], seconds = 3 } = {}) {
  return ks.map((k) => {
    const dir = fresh(`clones-${k}`);
    writeFileSync(
      join(dir, 'objects.cfg'),
      [
        'vms = vm1',
        'images = image1',
        'images_base_dir = images',
        'swarm_pool = pool',
        'image_size = 16M',
        'states_images = qcow2ext',
        'variants:',
        '    - vm1:',
        '        image_name_image1 = vm1',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'nodes.cfg'),
      [
        'variants:',
        '    - install:',
        '        vms = vm1',
        '        get_state_images = root',
        '        set_state_images = install',
        '        command = true',
        '    - tests:',
        '        vms = vm1',
        '        get_state_images = install',
        `        command = sleep ${seconds}`,
        '        variants:',
        ...Array.from({ length: k }, (_, i) => `            - t${i + 1}:`),
        '',
      ].join('\n'),
    );
    const args = ['run', '--objects', 'objects.cfg', '--nodes', 'nodes.cfg'];
    cli(dir, [...args, 'only=install']);
    const serial = cli(dir, [...args, '--jobs', '1']).ms / 1000;
    const parallel = cli(dir, [...args, '--jobs', String(k)]).ms / 1000;
    return { k, seconds, serial, parallel, speedup: serial / parallel };
  });
}

const GUEST_OBJECTS = (states) =>
  [
    'vms = vm1',
    'images = image1',
    'images_base_dir = images',
    'swarm_pool = pool',
    `states_images = ${states === 'ramfile' ? 'qcow2ext' : 'qcow2'}`,
    `states_vms = ${states}`,
    'variants:',
    '    - vm1:',
    '        image_name_image1 = vm1',
    '        mem = 256',
    '        guest_access = serial',
    '        guest_username = root',
    '        guest_password = cartograph',
    '',
  ].join('\n');

/** A workspace whose vm1 disk is a copy of a freshly built Linux guest. */
function guestWorkspace(name, states, image) {
  const dir = fresh(name);
  writeFileSync(join(dir, 'objects.cfg'), GUEST_OBJECTS(states));
  mkdirSync(join(dir, 'images'), { recursive: true });
  copyFileSync(image, join(dir, 'images', 'vm1.qcow2'));
  return dir;
}

export async function guestBench({ rounds = 5 } = {}) {
  const lib = await import('../dist/index.js');
  const image = join(out, 'guest.qcow2');
  cli(out, ['build-guest', '--out', image]);
  const o = ['--objects', 'objects.cfg'];
  const exec = (dir, access, ...cmd) =>
    cli(dir, ['exec', ...o, '--access', access, '--', ...cmd]).ms;
  const result = {
    bootToExecMs: [],
    execMs: { serial: [], agent: [] },
    libraryMs: { serial: [], agent: [] },
    states: {},
  };

  // Boot to the first exec (through the serial console: it waits for the login prompt).
  for (let i = 0; i < Math.min(rounds, 3); i++) {
    const dir = guestWorkspace('guest-boot', 'qcow2vt', image);
    const boot = cli(dir, ['boot', ...o]).ms;
    result.bootToExecMs.push(boot + exec(dir, 'serial', 'true'));
    // Round trips once the guest answers; the first call of each transport is left out.
    for (const access of ['serial', 'agent']) {
      exec(dir, access, 'true');
      for (let j = 0; j < rounds; j++) result.execMs[access].push(exec(dir, access, 'true'));
    }
    // The same through the library on an open channel: the protocol without process start.
    const run = join(dir, '.cartograph', 'run', 'vm1');
    const channels = {
      serial: await lib.SerialShell.open(join(run, 'serial.sock'), {
        username: 'root',
        password: 'cartograph',
      }),
      agent: await lib.GuestAgent.connect(join(run, 'qga.sock')),
    };
    for (const [access, channel] of Object.entries(channels)) {
      await channel.exec(['true']);
      for (let j = 0; j < rounds * 4; j++) {
        const t0 = performance.now();
        await channel.exec(['true']);
        result.libraryMs[access].push(performance.now() - t0);
      }
      await channel.close();
    }
    cli(dir, ['shutdown', ...o]);
  }

  // Running states of the real guest: save, restore, restore to the first exec.
  for (const states of ['qcow2vt', 'ramfile']) {
    const dir = guestWorkspace(`guest-${states}`, states, image);
    const set = [];
    const get = [];
    const getToExec = [];
    cli(dir, ['boot', ...o]);
    exec(dir, 'serial', 'true');
    for (let i = 0; i < rounds; i++) {
      if (states === 'ramfile') cli(dir, ['boot', ...o]);
      set.push(cli(dir, ['set', ...o, 'set_state_vms=ready']).ms);
      const g = cli(dir, ['get', ...o, 'get_state_vms=ready']).ms;
      get.push(g);
      getToExec.push(g + exec(dir, 'serial', 'true'));
    }
    cli(dir, ['shutdown', ...o]);
    result.states[states] = {
      setMs: median(set),
      getMs: median(get),
      getToExecMs: median(getToExec),
    };
  }

  // K tests side by side from one ramfile running state, against one.
  const dir = guestWorkspace('guest-clones', 'ramfile', image);
  const tests = (k) =>
    [
      'variants:',
      '    - running:',
      '        vms = vm1',
      '        get_state_images = root',
      '        set_state_vms = on_ready',
      '        command = cartograph exec -- true',
      '    - tests:',
      '        vms = vm1',
      '        get_state_vms = on_ready',
      '        command = cartograph exec -- sh -c "sleep 1; cat /proc/uptime"',
      '        variants:',
      ...Array.from({ length: k }, (_, i) => `            - t${i + 1}:`),
      '',
    ].join('\n');
  const runArgs = ['run', ...o, '--nodes', 'nodes.cfg'];
  writeFileSync(join(dir, 'nodes.cfg'), tests(2));
  cli(dir, [...runArgs, 'only=running']);
  const one = median(
    Array.from({ length: 3 }, () => cli(dir, [...runArgs, 'only=t1', '--jobs', '1']).ms),
  );
  const two = median(Array.from({ length: 3 }, () => cli(dir, [...runArgs, '--jobs', '2']).ms));
  result.ramfileClones = { oneMs: one, twoMs: two, ratio: two / one };
  return {
    bootToExecMs: median(result.bootToExecMs),
    execMs: { serial: median(result.execMs.serial), agent: median(result.execMs.agent) },
    libraryMs: {
      serial: median(result.libraryMs.serial),
      agent: median(result.libraryMs.agent),
    },
    states: result.states,
    ramfileClones: result.ramfileClones,
  };
}

export function vmsTables(clones, guest) {
  const ms = (x) => `${x.toFixed(0)} ms`;
  return [
    '| tests on clones | K | node time (s) | --jobs 1 (s) | --jobs K (s) | speed-up | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...clones.map(
      (r) =>
        `| sleep tests from one state | ${r.k} | ${r.seconds} | ${r.serial.toFixed(2)} | ${r.parallel.toFixed(2)} | ${r.speedup.toFixed(2)}× | ≥ ${(0.9 * r.k).toFixed(1)}× |`,
    ),
    '',
    '| Linux guest (TCG, 256 MiB), through the CLI | median |',
    '| --- | ---: |',
    `| boot to the first exec (serial login included) | ${ms(guest.bootToExecMs)} |`,
    `| \`cartograph exec\` round trip, serial console (process start included) | ${ms(guest.execMs.serial)} |`,
    `| \`cartograph exec\` round trip, guest agent (process start included) | ${ms(guest.execMs.agent)} |`,
    `| exec round trip on an open channel, serial console | ${ms(guest.libraryMs.serial)} |`,
    `| exec round trip on an open channel, guest agent (target ≤ 50 ms) | ${ms(guest.libraryMs.agent)} |`,
    ...Object.entries(guest.states).flatMap(([b, s]) => [
      `| ${b}: save the running guest | ${ms(s.setMs)} |`,
      `| ${b}: restore it | ${ms(s.getMs)} |`,
      `| ${b}: restore to the first exec (target ≤ 1 s) | ${ms(s.getToExecMs)} |`,
    ]),
    `| 1 test from a ramfile state | ${ms(guest.ramfileClones.oneMs)} |`,
    `| 2 tests from it side by side (target ≤ 1.5×) | ${ms(guest.ramfileClones.twoMs)} (${guest.ramfileClones.ratio.toFixed(2)}×) |`,
  ].join('\n');
}
