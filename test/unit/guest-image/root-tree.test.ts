import { describe, expect, it } from 'vitest';
import {
  GUEST_READY_LINE,
  groupText,
  hostsText,
  inittabText,
  passwdText,
  profileText,
  rckText,
  rcsText,
  shadowText,
  shutdownText,
  writeRootTree,
} from '../../../src/guest-image/root-tree.js';
import { initScript } from '../../../src/guest-image/initramfs.js';

describe('the guest contract texts', () => {
  it('inittab: rcS, a serial getty, rcK, ctrl-alt-del', () => {
    expect(
      inittabText()
        .split('\n')
        .filter((l) => !l.startsWith('#') && l !== ''),
    ).toEqual([
      '::sysinit:/etc/init.d/rcS',
      'ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100',
      '::shutdown:/etc/init.d/rcK',
      '::ctrlaltdel:/sbin/reboot',
    ]);
  });

  it('passwd, group and shadow: root with /bin/sh in /root, a sha512 hash, no forced change', () => {
    expect(passwdText()).toBe('root:x:0:0:root:/root:/bin/sh\n');
    expect(groupText()).toMatch(/^root:x:0:$/m);
    expect(groupText()).toMatch(/^tty:x:5:$/m);
    expect(shadowText('$6$salt$hash')).toBe('root:$6$salt$hash::0:99999:7:::\n');
    expect(() => shadowText('a:b')).toThrow(expect.objectContaining({ code: 'GUEST_BUILD' }));
  });

  it('profile: PATH and the prompt user@host:dir$', () => {
    expect(profileText()).toContain('export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n');
    expect(profileText()).toContain("PS1='\\u@\\h:\\w\\$ '\n");
  });

  it('hosts names the hostname', () => {
    expect(hostsText('box')).toMatch(/^127\.0\.1\.1\tbox$/m);
  });

  it('rcS mounts, configures the network, starts qemu-ga and services, then says ready', () => {
    const rcs = rcsText();
    for (const line of [
      'mount -t proc proc /proc',
      'mount -t sysfs sysfs /sys',
      'mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts',
      'mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run',
      'mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp',
      'mount -o remount,rw /',
      'hostname -F /etc/hostname',
      '  ip addr add 10.0.2.15/24 dev eth0',
      '  ip route add default via 10.0.2.2',
      '  qemu-ga -d -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0 \\',
      '  [ -x "$s" ] && "$s" start',
    ]) {
      expect(rcs.split('\n')).toContain(line);
    }
    expect(rcs.indexOf('qemu-ga -d')).toBeLessThan(rcs.indexOf('/etc/rc.d/S*'));
    expect(rcs.trimEnd().endsWith(`echo "${GUEST_READY_LINE}"`)).toBe(true);
  });

  it('rcK stops services in reverse order, stops qemu-ga and leaves / read-only', () => {
    const rck = rckText();
    expect(rck).toContain('services="$s $services"');
    expect(rck).toContain('"$s" stop');
    expect(rck).toContain('kill "$pid"');
    expect(rck.indexOf('sync')).toBeLessThan(rck.indexOf('mount -o remount,ro /'));
  });

  it('shutdown maps the flags qemu-ga passes to poweroff, halt and reboot', () => {
    const text = shutdownText();
    expect(text).toContain('-r) action=reboot');
    expect(text).toContain('-H) action=halt');
    expect(text).toContain('-P) action=poweroff');
    expect(text).toContain('exec "/sbin/$action"');
  });

  it('the initramfs /init loads modules.list and switches to the disk at root=', () => {
    const init = initScript();
    expect(init.startsWith('#!/bin/busybox sh\n')).toBe(true);
    expect(init).toContain('mount -t devtmpfs devtmpfs /dev');
    expect(init).toContain('done < /modules.list');
    expect(init).toContain('root=*) root="${arg#root=}"');
    expect(init).toContain('mount -t ext4 -o ro "$root" /newroot');
    expect(init.trimEnd().endsWith('exec switch_root /newroot /sbin/init')).toBe(true);
  });
});

describe('writeRootTree', () => {
  const input = { busybox: '/nonexistent', agentTree: '/nonexistent', password: 'pw' };

  it('refuses a hostname that is not one DNS label, before touching anything', async () => {
    for (const hostname of ['', 'a b', 'a.b', '-a', `a${'b'.repeat(63)}`, 'x;rm']) {
      await expect(writeRootTree('/nonexistent/root', { ...input, hostname })).rejects.toThrow(
        expect.objectContaining({ code: 'GUEST_BUILD' }),
      );
    }
  });

  it('refuses an empty or multi-line password', async () => {
    for (const password of ['', 'a\nb', 'a\rb']) {
      await expect(
        writeRootTree('/nonexistent/root', { ...input, hostname: 'h', password }),
      ).rejects.toThrow(expect.objectContaining({ code: 'GUEST_BUILD' }));
    }
  });
});
