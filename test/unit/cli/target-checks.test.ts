import { expect, it } from 'vitest';
import { checkTarget, namedParam } from '../../../src/cli/suite-check/target-checks.js';
import { imageTarget, vmTarget } from '../../helpers/states-targets.js';
import { tempDir } from '../../helpers/temp-dir.js';

const check = (t: Parameters<typeof checkTarget>[0]) =>
  checkTarget(t, { cwd: tempDir(), paths: new Map() }).map((f) => ({
    param: f.param,
    value: f.value,
    code: f.error.code,
    target: f.target?.id,
  }));

const good = { image_name: 'disk', images_base_dir: 'images', image_size: '64M' };

it('takes the sizes qemu-img takes, and nothing else', () => {
  for (const size of ['64M', '1.5G', '1000', '0x100000', '64m', '1T', ' 64M ']) {
    expect(check(imageTarget({ ...good, image_size: size })), size).toEqual([]);
  }
  for (const size of ['lots', '64MB', '64MiB', '-1', '1e6', '8E', '64 M B']) {
    expect(check(imageTarget({ ...good, image_size: size })), size).toEqual([
      { param: 'image_size', value: size.trim(), code: 'CFG_BAD_VALUE', target: 'vm1/image1' },
    ]);
  }
});

it('reads policies, backends, formats and yes/no values the way run does', () => {
  const found = check(
    imageTarget({
      ...good,
      states: 'lvm',
      image_format: 'vmdk',
      set_mode: 'zz',
      pop_mode: 'rr', // valid for the get of a pop, not for its unset
      unset_dependents: 'maybe',
      convert_compression: 'xz',
    }),
  );
  expect(found.map((f) => [f.param, f.code])).toEqual([
    ['states', 'STATE_BAD_BACKEND'],
    ['image_format', 'CFG_BAD_VALUE'],
    ['set_mode', 'STATE_BAD_POLICY'],
    ['pop_mode', 'STATE_BAD_POLICY'],
    ['unset_dependents', 'CFG_BAD_VALUE'],
    ['convert_compression', 'CFG_BAD_VALUE'],
  ]);
});

it('names the parameter of the vm hardware and guest access readers (issue 8)', () => {
  const image = imageTarget(good);
  const found = check(vmTarget({ mem: 'lots' }, [image]));
  expect(found).toEqual([{ param: 'mem', value: 'lots', code: 'CFG_BAD_VALUE', target: 'vm1' }]);
  expect(check(vmTarget({ guest_access: 'telnet' }, [image]))).toEqual([
    { param: 'guest_access', value: 'telnet', code: 'CFG_BAD_VALUE', target: 'vm1' },
  ]);
  // The form those readers' messages take, which the locations depend on.
  expect(namedParam('smp = "0" of vm1: expected 1 to 255')).toEqual({ param: 'smp', value: '0' });
  expect(namedParam('a vm without images')).toBeUndefined();
});
