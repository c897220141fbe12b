import { describe, expect, it } from 'vitest';
import { CartographError } from '../../../../src/errors.js';
import { MAX_SOCKET_PATH_BYTES } from '../../../../src/qemu/index.js';
import { imagePath, poolDir, vmRunDir } from '../../../../src/states/index.js';
import { imageTarget } from '../../../helpers/states-targets.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as CartographError).code;
  }
}

describe('paths of images, pools and run directories', () => {
  it("follows avocado-i2n's get_image_path", () => {
    const at = (params: Record<string, string>) => imagePath(imageTarget(params), '/work');
    expect(at({ image_name: 'vm1/disk', images_base_dir: 'images' })).toBe(
      '/work/images/vm1/disk.qcow2',
    );
    expect(at({ image_name: 'disk', images_base_dir: '/srv/img' })).toBe('/srv/img/disk.qcow2');
    expect(at({ image_name: '/abs/disk', images_base_dir: '/srv/img' })).toBe('/abs/disk.qcow2');
    expect(at({ image_name: 'disk', image_format: 'raw' })).toBe('/work/disk');
    expect(at({ image_name: 'disk', image_format: 'qcow2' })).toBe('/work/disk.qcow2');
    expect(codeOf(() => at({ image_name: 'disk', image_format: 'vmdk' }))).toBe('CFG_BAD_VALUE');
    expect(codeOf(() => at({ images_base_dir: 'x' }))).toBe('CFG_MISSING_PARAM');
    let message = '';
    try {
      at({ image_name: 'disk', image_format: 'vdi' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('vm1/image1');
  });

  it('keeps external states in <swarm_pool>/<vm id>/<image>', () => {
    const target = imageTarget({ swarm_pool: 'pool' }, { vmId: 'vm1-fedora', image: 'data' });
    expect(poolDir(target, '/work')).toBe('/work/pool/vm1-fedora/data');
    expect(poolDir(imageTarget({ swarm_pool: '/p' }), '/work')).toBe('/p/vm1/image1');
    expect(codeOf(() => poolDir(imageTarget({}), '/work'))).toBe('CFG_MISSING_PARAM');
  });

  it('falls back to a short, stable run directory when a socket path would be too long', () => {
    expect(vmRunDir('/run/cg', 'vm1')).toEqual({
      dir: '/run/cg/vm1',
      wanted: '/run/cg/vm1',
      fallback: false,
    });
    const long = `/${'x'.repeat(100)}`;
    const a = vmRunDir(long, 'vm1');
    expect(a.fallback).toBe(true);
    expect(a.wanted).toBe(`${long}/vm1`);
    expect(Buffer.byteLength(`${a.dir}/serial.sock`)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
    expect(vmRunDir(long, 'vm1')).toEqual(a);
    expect(vmRunDir(long, 'vm2').dir).not.toBe(a.dir);
    // Exactly at the limit (of the longest socket, the serial console's) is still fine.
    const edge = `/${'y'.repeat(MAX_SOCKET_PATH_BYTES - '/vm1/serial.sock'.length - 1)}`;
    expect(vmRunDir(edge, 'vm1').fallback).toBe(false);
    expect(vmRunDir(`${edge}y`, 'vm1').fallback).toBe(true);
  });
});
