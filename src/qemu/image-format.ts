/**
 * Image formats cartograph names to QEMU explicitly (`-f`, `-F`, `-O`), so that QEMU never
 * probes a file's format from its content. States are always qcow2; the others are sources
 * and targets of conversions.
 */
export type ImageFormat = 'qcow2' | 'raw' | 'vmdk' | 'vdi' | 'vhdx' | 'vpc';
