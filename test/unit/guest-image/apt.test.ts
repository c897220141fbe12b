import { describe, expect, it } from 'vitest';
import {
  chooseAlternative,
  debFileName,
  isLibrarySection,
  type PackageRecord,
  parseAptDepends,
  parseAptShow,
  selectLibraries,
} from '../../../src/guest-image/apt.js';

// `apt-cache depends --recurse --no-recommends … qemu-guest-agent` on Debian 12 (trimmed).
const RECURSIVE = `qemu-guest-agent
  PreDepends: init-system-helpers
  Depends: libc6
  Depends: libglib2.0-0
  Depends: libudev1
init-system-helpers
 |Depends: usrmerge
  Depends: usr-is-merged
    usrmerge
libc6
  Depends: libgcc-s1
libglib2.0-0
  Depends: libc6
  Depends: libmount1
  Depends: zlib1g
libudev1
  Depends: libc6
usrmerge
  Depends: <perl:any>
    perl
  Depends: libfile-find-rule-perl
usr-is-merged
libgcc-s1
  Depends: gcc-12-base
  Depends: libc6
libmount1
  Depends: libblkid1
zlib1g
  Depends: libc6
perl
  Depends: libperl5.36
libfile-find-rule-perl
gcc-12-base
libblkid1
  Depends: libc6
libperl5.36
<perl:any>
`;

function record(pkg: string, section: string): PackageRecord {
  return { package: pkg, version: '1.0', architecture: 'amd64', section };
}

describe('parseAptDepends', () => {
  it('reads packages, alternatives and the providers of virtual packages', () => {
    const parsed = parseAptDepends(`exim4
 |Depends: debconf
  Depends: cdebconf
  Depends: exim4-base
 |Depends: debconf
  Depends: <debconf-2.0>
    cdebconf
    debconf
`);
    expect(parsed).toEqual([
      {
        package: 'exim4',
        groups: [
          [
            { name: 'debconf', virtual: false, providers: [] },
            { name: 'cdebconf', virtual: false, providers: [] },
          ],
          [{ name: 'exim4-base', virtual: false, providers: [] }],
          [
            { name: 'debconf', virtual: false, providers: [] },
            { name: 'debconf-2.0', virtual: true, providers: ['cdebconf', 'debconf'] },
          ],
        ],
      },
    ]);
  });

  it('chooses the first real alternative, else the first provider', () => {
    expect(
      chooseAlternative([
        { name: 'perl:any', virtual: true, providers: ['perl'] },
        { name: 'x', virtual: false, providers: [] },
      ]),
    ).toBe('x');
    expect(chooseAlternative([{ name: 'perl:any', virtual: true, providers: ['perl'] }])).toBe(
      'perl',
    );
    expect(chooseAlternative([{ name: 'gone', virtual: true, providers: [] }])).toBeUndefined();
  });
});

describe('selectLibraries', () => {
  const depends = new Map(parseAptDepends(RECURSIVE).map((d) => [d.package, d]));
  const sections: Record<string, string> = {
    'init-system-helpers': 'admin',
    usrmerge: 'admin',
    'usr-is-merged': 'oldlibs',
    perl: 'perl',
    'libfile-find-rule-perl': 'perl',
    'libperl5.36': 'libs',
  };
  const records = new Map(
    [...depends.keys()].map((p) => [p, record(p, sections[p] ?? 'libs')] as const),
  );

  it('walks Depends and PreDepends through library packages only', () => {
    const names = selectLibraries('qemu-guest-agent', depends, records).map((r) => r.package);
    expect(names.sort()).toEqual(
      [
        'gcc-12-base',
        'libblkid1',
        'libc6',
        'libgcc-s1',
        'libglib2.0-0',
        'libmount1',
        'libudev1',
        'zlib1g',
      ].sort(),
    );
    // libperl5.36 is a library, but only perl (not a library) depends on it.
    expect(names).not.toContain('libperl5.36');
    expect(names).not.toContain('init-system-helpers');
  });

  it('counts contrib/libs as a library section, oldlibs not', () => {
    expect(isLibrarySection('libs')).toBe(true);
    expect(isLibrarySection('contrib/libs')).toBe(true);
    expect(isLibrarySection('oldlibs')).toBe(false);
    expect(isLibrarySection('admin')).toBe(false);
  });
});

describe('parseAptShow and debFileName', () => {
  it('reads the first stanza of each package', () => {
    const records = parseAptShow(`Package: busybox-static
Version: 1:1.35.0-4+deb12u1+b1
Architecture: amd64
Section: shells
Description: Standalone rescue shell
 with tons of builtin utilities

Package: busybox-static
Version: 1:1.30.1-6
Architecture: amd64

Package: libc6
Version: 2.36-9+deb12u14
Architecture: amd64
Section: libs
`);
    expect(records.get('busybox-static')).toEqual({
      package: 'busybox-static',
      version: '1:1.35.0-4+deb12u1+b1',
      architecture: 'amd64',
      section: 'shells',
    });
    expect(records.get('libc6')?.section).toBe('libs');
  });

  it('names files as apt-get download does (an epoch colon as %3a)', () => {
    expect(
      debFileName({
        package: 'busybox-static',
        version: '1:1.35.0-4+deb12u1+b1',
        architecture: 'amd64',
        section: 'shells',
      }),
    ).toBe('busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb');
  });
});
