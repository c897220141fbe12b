#!/usr/bin/env node
// The work of the bundled example suite's nodes. cartograph runs it with CARTOGRAPH_PARAMS
// (a JSON file with the node's and its objects' params) and image paths in the environment.
// Each setup step writes its own byte pattern at its own offset of every image it gets; the
// tests read all of them back, so a test passes only on a disk built by the whole chain.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';

const STEPS = ['install', 'customize', 'ready'];
const MiB = 1024 * 1024;
const params = JSON.parse(readFileSync(process.env.CARTOGRAPH_PARAMS, 'utf8'));
const what = process.argv[2];

function images() {
  const out = [];
  for (const object of Object.values(params.objects)) {
    for (const image of Object.values(object.images)) out.push({ object, ...image });
  }
  return out;
}

/** The pattern byte of a step on an image: its vm's seed plus the step's number. */
function pattern(image, step) {
  const seed = Number(image.params.disk_seed ?? '0');
  return `0x${(seed + STEPS.indexOf(step) + 1).toString(16)}`;
}

function io(path, command, ...flags) {
  execFileSync('qemu-io', [...flags, '-f', 'qcow2', '-c', command, path], { stdio: ['ignore', 'inherit', 'inherit'] });
}

function write(step) {
  for (const image of images()) {
    const p = pattern(image, step);
    const offset = STEPS.indexOf(step) * MiB;
    if (step === 'install' && image.params.install_from === 'raw') {
      // Build a raw disk and convert it: the image is replaced by the conversion.
      const raw = `install-${image.id.replace(/\W/g, '_')}.raw`;
      execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, image.params.image_size ?? '64M']);
      execFileSync('qemu-io', ['-f', 'raw', '-c', `write -q -P ${p} ${offset} 1M`, raw]);
      execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, image.path]);
      rmSync(raw);
      console.log(`${image.id}: converted a raw image with ${p} at ${offset}`);
    } else {
      io(image.path, `write -q -P ${p} ${offset} 1M`);
      console.log(`${image.id}: wrote ${p} at ${offset}`);
    }
  }
}

function verify(shared) {
  for (const image of images()) {
    for (const step of STEPS) {
      const p = pattern(image, step);
      const offset = STEPS.indexOf(step) * MiB;
      // -U reads an image a running vm holds.
      io(image.path, `read -q -P ${p} ${offset} 1M`, '-r', ...(shared ? ['-U'] : []));
    }
    console.log(`${image.id}: install, customize and ready data are all there`);
  }
}

/** Asks the vm over QMP whether it runs. */
function queryStatus(socket) {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      for (;;) {
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.QMP) s.write('{"execute":"qmp_capabilities"}\n');
        else if (msg.return !== undefined && Object.keys(msg.return).length === 0 && !msg.done) {
          s.write('{"execute":"query-status"}\n');
          msg.done = true;
        } else if (msg.return?.status !== undefined) {
          s.end();
          resolve(msg.return.status);
        }
      }
    });
    s.on('error', reject);
  });
}

async function running() {
  const socket = process.env.CARTOGRAPH_QMP_VM1;
  if (socket === undefined) throw new Error('vm1 is not running');
  const status = await queryStatus(socket);
  console.log(`vm1 status: ${status}`);
  if (status !== 'running' && status !== 'paused') throw new Error(`vm1 is ${status}`);
}

switch (what) {
  case 'install':
  case 'customize':
  case 'ready':
    write(what);
    break;
  case 'running':
    await running();
    break;
  case 'verify':
    verify(false);
    break;
  case 'verify-running':
    await running();
    verify(true);
    break;
  default:
    throw new Error(`unknown step ${what}`);
}
