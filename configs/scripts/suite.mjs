#!/usr/bin/env node
// The work of the bundled suite's disk-only chain (vm2). cartograph runs it with
// CARTOGRAPH_PARAMS (a JSON file with the node's and its objects' params) and image paths in
// the environment.
// Each setup step writes its own byte pattern at its own offset of every image it gets; the
// tests read all of them back, so a test passes only on a disk built by the whole chain.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

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

function verify() {
  for (const image of images()) {
    for (const step of STEPS) {
      const p = pattern(image, step);
      const offset = STEPS.indexOf(step) * MiB;
      io(image.path, `read -q -P ${p} ${offset} 1M`, '-r');
    }
    console.log(`${image.id}: install, customize and ready data are all there`);
  }
}

switch (what) {
  case 'install':
  case 'customize':
  case 'ready':
    write(what);
    break;
  case 'verify':
    verify();
    break;
  default:
    throw new Error(`unknown step ${what}`);
}
