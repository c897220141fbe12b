/**
 * Issue 13: bad input is refused at load, before anything runs, with a coded message at the
 * place in the configs where the value was set, and never as an internal error. Each row of
 * the table is a small edit of the bundled configs.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const CONFIGS = join(import.meta.dirname, '..', '..', 'configs');

/** A suite shaped like the bundled one (kept here, so that the bundled one may change). */
const OBJECTS = `vms = vm1 vm2
main_vm = vm1
images = image1
images_base_dir = .cartograph/images
swarm_pool = .cartograph/pool
image_format = qcow2
image_size = 64M
mem = 64
states_images = qcow2ext
states_vms = qcow2vt
variants:
    - vm1:
        states_images = qcow2
        image_name_image1 = vm1/image1
    - vm2:
        variants:
            - fedora:
                image_name_image1 = vm2/fedora
            - ubuntu:
                image_name_image1 = vm2/ubuntu
`;

const NODES = `suite = node "$CARTOGRAPH_CONFIG_DIR/scripts/suite.mjs"
variants:
    - install:
        get_state_images = root
        set_state_images = install
        command = \${suite} install
    - customize:
        get_state_images = install
        set_state_images = customize
        command = \${suite} customize
    - ready:
        get_state_images = customize
        set_state_images = ready
        command = \${suite} ready
    - running:
        vms = vm1
        get_state_images = ready
        set_state_vms = on_ready
        command = \${suite} running
    - tests:
        variants:
            - disk:
                vms = vm1 vm2
                get_state_images = ready
                command = \${suite} verify
            - running_vm:
                vms = vm1
                get_state_vms = on_ready
                command = \${suite} verify-running
`;

/** The suite in `configs/` of a fresh directory, edited by `edit`. */
function suite(
  edit: (files: { objects: string; nodes: string }) => Partial<Record<'objects' | 'nodes', string>>,
): string {
  const dir = tempDir('cartograph-check-');
  mkdirSync(join(dir, 'configs'));
  const changed = edit({ objects: OBJECTS, nodes: NODES });
  writeFileSync(join(dir, 'configs', 'objects.cfg'), changed.objects ?? OBJECTS);
  writeFileSync(join(dir, 'configs', 'nodes.cfg'), changed.nodes ?? NODES);
  return dir;
}

/** Replaces the one line of `text` matching `line` by `by` (keeping its indentation). */
function replaceLine(text: string, line: RegExp, by: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => line.test(l));
  if (i < 0) throw new Error(`no line matches ${String(line)}`);
  const indent = /^\s*/.exec(lines[i] ?? '')?.[0] ?? '';
  lines[i] = by
    .split('\n')
    .map((l) => indent + l)
    .join('\n');
  return lines.join('\n');
}

/** The 1-based number of the line of `file` (in `dir`) holding `text`. */
function lineOf(dir: string, file: string, text: string): number {
  return (
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1
  );
}

/** A diagnostic at `file:line:col` with `code`, the source line and a caret under the value. */
function expectLocated(stderr: string, file: string, line: number, code: string): void {
  const head = new RegExp(`^${file.replaceAll('.', '\\.')}:${line}:(\\d+): .*\\[${code}\\]$`, 'm');
  const m = head.exec(stderr);
  expect(m, stderr).not.toBeNull();
  expect(stderr).toMatch(new RegExp(`^${line} \\| `, 'm'));
  expect(stderr).toMatch(/^ +\| +\^+$/m);
  expect(stderr).not.toContain('internal error');
}

const LONG_300 = 'a'.repeat(300);
const LONG_5000 = 'b'.repeat(5000);

describe('plan refuses each row of the table of issue 13, located and coded', () => {
  it('a state name of 300 characters (too long for the files made from it)', async () => {
    const dir = suite(({ nodes }) => ({
      nodes: nodes.replaceAll(
        /(get|set)_state_images = customize/g,
        `$1_state_images = ${LONG_300}`,
      ),
    }));
    const r = await runCli(['plan'], dir);
    expect(r.code).toBe(2);
    // Both the node that sets it and the one that gets it.
    expectLocated(
      r.stderr,
      'configs/nodes.cfg',
      lineOf(dir, 'configs/nodes.cfg', `set_state_images = ${LONG_300}`),
      'CFG_BAD_VALUE',
    );
    expectLocated(
      r.stderr,
      'configs/nodes.cfg',
      lineOf(dir, 'configs/nodes.cfg', `get_state_images = ${LONG_300}`),
      'CFG_BAD_VALUE',
    );
    expect(r.stderr).toContain('over the 205 a state name may have');
    expect(r.stderr).toMatch(/^cartograph: 2 problems in the configs; nothing was done$/m);
  });

  it('a state name of 5,000 characters (ENAMETOOLONG before)', async () => {
    const dir = suite(({ nodes }) => ({
      nodes: nodes.replaceAll(
        /(get|set)_state_images = customize/g,
        `$1_state_images = ${LONG_5000}`,
      ),
    }));
    const r = await runCli(['plan'], dir);
    expect(r.code).toBe(2);
    expectLocated(
      r.stderr,
      'configs/nodes.cfg',
      lineOf(dir, 'configs/nodes.cfg', `get_state_images = ${LONG_5000}`),
      'CFG_BAD_VALUE',
    );
  });

  it('swarm_pool naming a file (ENOTDIR before)', async () => {
    const dir = suite(() => ({}));
    mkdirSync(join(dir, '.cartograph'));
    writeFileSync(join(dir, '.cartograph', 'pool'), 'not a directory\n');
    const r = await runCli(['plan'], dir);
    expect(r.code).toBe(2);
    expectLocated(
      r.stderr,
      'configs/objects.cfg',
      lineOf(dir, 'configs/objects.cfg', 'swarm_pool ='),
      'CFG_BAD_PATH',
    );
    expect(r.stderr).toContain(`${join(dir, '.cartograph', 'pool')} is a file`);
    // The state commands check the objects they work on the same way.
    const set = await runCli(['set', 'set_state_images=s'], dir);
    expect(set.code).toBe(2);
    expectLocated(
      set.stderr,
      'configs/objects.cfg',
      lineOf(dir, 'configs/objects.cfg', 'swarm_pool ='),
      'CFG_BAD_PATH',
    );
  });

  it('set_mode = zz on a setup node', async () => {
    const dir = suite(({ nodes }) => ({
      nodes: replaceLine(
        nodes,
        /set_state_images = install/,
        'set_state_images = install\nset_mode = zz',
      ),
    }));
    const r = await runCli(['plan'], dir);
    expect(r.code).toBe(2);
    expectLocated(
      r.stderr,
      'configs/nodes.cfg',
      lineOf(dir, 'configs/nodes.cfg', 'set_mode = zz'),
      'STATE_BAD_POLICY',
    );
  });

  it('image_size = lots', async () => {
    const dir = suite(({ objects }) => ({
      objects: objects.replace('image_size = 64M', 'image_size = lots'),
    }));
    const r = await runCli(['plan'], dir);
    expect(r.code).toBe(2);
    expectLocated(
      r.stderr,
      'configs/objects.cfg',
      lineOf(dir, 'configs/objects.cfg', 'image_size = lots'),
      'CFG_BAD_VALUE',
    );
    // One value read for three images is one problem.
    expect(r.stderr.match(/\[CFG_BAD_VALUE\]/g)).toHaveLength(1);
  });

  it('max_tries = -3', async () => {
    const dir = suite(({ nodes }) => ({
      nodes: replaceLine(
        nodes,
        /command = \$\{suite\} verify$/,
        'command = ${suite} verify\nmax_tries = -3',
      ),
    }));
    const r = await runCli(['plan'], dir);
    expect(r.code).toBe(2);
    expectLocated(
      r.stderr,
      'configs/nodes.cfg',
      lineOf(dir, 'configs/nodes.cfg', 'max_tries = -3'),
      'CFG_BAD_VALUE',
    );
  });

  it('states_images = lvm (exit 1 before)', async () => {
    const dir = suite(({ objects }) => ({
      objects: objects.replace('states_images = qcow2ext', 'states_images = lvm'),
    }));
    const r = await runCli(['plan'], dir);
    expect(r.code).toBe(2);
    expectLocated(
      r.stderr,
      'configs/objects.cfg',
      lineOf(dir, 'configs/objects.cfg', 'states_images = lvm'),
      'STATE_BAD_BACKEND',
    );
  });
});

describe('the load-time check', () => {
  it('reports every problem together, each at its place', async () => {
    const dir = suite(({ objects, nodes }) => ({
      objects: objects
        .replace('image_size = 64M', 'image_size = lots')
        .replace('mem = 64', 'mem = much'),
      nodes: replaceLine(
        nodes,
        /command = \$\{suite\} verify$/,
        'command = ${suite} verify\nmax_tries = often',
      ),
    }));
    const r = await runCli(['plan'], dir);
    expect(r.code).toBe(2);
    expectLocated(
      r.stderr,
      'configs/objects.cfg',
      lineOf(dir, 'configs/objects.cfg', 'image_size = lots'),
      'CFG_BAD_VALUE',
    );
    expectLocated(
      r.stderr,
      'configs/objects.cfg',
      lineOf(dir, 'configs/objects.cfg', 'mem = much'),
      'CFG_BAD_VALUE',
    );
    expectLocated(
      r.stderr,
      'configs/nodes.cfg',
      lineOf(dir, 'configs/nodes.cfg', 'max_tries = often'),
      'CFG_BAD_VALUE',
    );
    expect(r.stderr).toMatch(/^cartograph: 3 problems in the configs; nothing was done$/m);
  });

  it('refuses for list, graph, run, verify and gc too, before anything runs', async () => {
    const dir = suite(({ objects }) => ({
      objects: objects.replace('image_size = 64M', 'image_size = lots'),
    }));
    for (const command of [['list'], ['graph'], ['run'], ['verify'], ['gc', '--dry-run']]) {
      const r = await runCli(command, dir);
      expect(r.code, `${command.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('[CFG_BAD_VALUE]');
    }
    // run did not start: no logs, no images.
    expect(existsSync(join(dir, '.cartograph'))).toBe(false);
  });

  it('points at a command-line token that set the value', async () => {
    const dir = suite(() => ({}));
    const r = await runCli(['plan', 'image_size=lots'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^<command line>:1:14: image_size = "lots" of .*\[CFG_BAD_VALUE\]$/m);
  });

  it('checks the vm hardware and the guest access of issue 8 with the suite', async () => {
    const dir = suite(({ objects }) => ({
      objects: objects.replace('mem = 64', 'mem = 64\nsmp = 0\nguest_access = telnet'),
    }));
    const r = await runCli(['plan'], dir);
    expect(r.code).toBe(2);
    expectLocated(
      r.stderr,
      'configs/objects.cfg',
      lineOf(dir, 'configs/objects.cfg', 'smp = 0'),
      'CFG_BAD_VALUE',
    );
    expectLocated(
      r.stderr,
      'configs/objects.cfg',
      lineOf(dir, 'configs/objects.cfg', 'guest_access = telnet'),
      'CFG_BAD_VALUE',
    );
  });

  it('refuses an images_base_dir under a file, and a run directory that is a file', async () => {
    const dir = suite(({ objects }) => ({
      objects: objects.replace(
        'images_base_dir = .cartograph/images',
        'images_base_dir = blocker/images',
      ),
    }));
    writeFileSync(join(dir, 'blocker'), '');
    writeFileSync(join(dir, 'rundir'), '');
    const r = await runCli(['plan', '--run-dir', 'rundir'], dir);
    expect(r.code).toBe(2);
    expectLocated(
      r.stderr,
      'configs/objects.cfg',
      lineOf(dir, 'configs/objects.cfg', 'images_base_dir = blocker'),
      'CFG_BAD_PATH',
    );
    expect(r.stderr).toMatch(
      /^cartograph: the run directory .*rundir is a file, not a directory \[CFG_BAD_PATH\]$/m,
    );
  });

  it('locates values in the YAML form', async () => {
    const dir = suite(({ objects }) => ({
      objects: objects.replace('image_size = 64M', 'image_size = lots'),
    }));
    for (const name of ['objects', 'nodes']) {
      const yaml = await runCli(['convert-config', `configs/${name}.cfg`], dir);
      expect(yaml.code, yaml.stderr).toBe(0);
      writeFileSync(join(dir, 'configs', `${name}.yaml`), yaml.stdout);
    }
    const r = await runCli(
      ['plan', '--objects', 'configs/objects.yaml', '--nodes', 'configs/nodes.yaml'],
      dir,
    );
    expect(r.code).toBe(2);
    expectLocated(
      r.stderr,
      'configs/objects.yaml',
      lineOf(dir, 'configs/objects.yaml', 'image_size: lots'),
      'CFG_BAD_VALUE',
    );
  });

  it('lets the bundled suite and its YAML twin through', async () => {
    const dir = tempDir('cartograph-check-');
    cpSync(CONFIGS, join(dir, 'configs'), { recursive: true });
    expect((await runCli(['plan'], dir)).stderr).toBe('');
    const yaml = ['--objects', 'configs/yaml/objects.yaml', '--nodes', 'configs/yaml/nodes.yaml'];
    expect((await runCli(['plan', ...yaml], dir)).stderr).toBe('');
  });
});
