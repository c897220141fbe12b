import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { describeQemu } from '../../helpers/qemu-available.js';
import { runCli } from '../../helpers/run-cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * SIGINT during `cartograph run` (the built command, in its own process): the running node's
 * command and the vm started for it stop, nothing is saved half-way, and the next run plans
 * the step again.
 */
const OBJECTS = `vms = vm1
images = image1
images_base_dir = images
image_size = 16M
mem = 64
states_images = qcow2
states_vms = qcow2vt
variants:
    - vm1:
        image_name_image1 = vm1
`;

// The command records its pid, then waits: it is still running when the signal comes.
const NODES = `variants:
    - prepare:
        vms = vm1
        get_state_images = root
        set_state_vms = prepared
        command = echo $$ > "$CARTOGRAPH_CONFIG_DIR/command.pid"; exec sleep 60
`;

const CONFIG = ['--objects', 'objects.cfg', '--nodes', 'nodes.cfg', 'only=prepare'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeQemu('cartograph run on SIGINT', () => {
  it('stops the node and its vm, saves nothing, and exits 130', { timeout: 90_000 }, async () => {
    const dir = tempDir('cartograph-signal-');
    writeFileSync(join(dir, 'objects.cfg'), OBJECTS);
    writeFileSync(join(dir, 'nodes.cfg'), NODES);
    const bin = join(process.cwd(), 'bin', 'cartograph.js');
    const child = spawn(process.execPath, [bin, 'run', ...CONFIG], { cwd: dir, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    const pidFile = join(dir, 'command.pid');
    for (let i = 0; i < 300 && !existsSync(pidFile); i++) await sleep(100);
    expect(existsSync(pidFile), output).toBe(true);
    await sleep(100);
    const commandPid = Number(readFileSync(pidFile, 'utf8').trim());
    const image = join(dir, 'images', 'vm1.qcow2');
    // The vm was booted for the node before its command ran.
    expect(spawnSync('pgrep', ['-f', image]).status, output).toBe(0);

    const started = Date.now();
    child.kill('SIGINT');
    expect(await exited, output).toBe(130);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(output).toContain('SIGINT: stopping the running nodes and their vms');
    expect(alive(commandPid)).toBe(false);
    expect(spawnSync('pgrep', ['-f', image]).status, 'a qemu process still uses the image').toBe(1);

    const plan = await runCli(['plan', ...CONFIG], dir);
    expect(plan.stdout).toMatch(/build +prepare@vm1 +prepared of vm1 missing/);
    const verify = await runCli(['verify', ...CONFIG], dir);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});
