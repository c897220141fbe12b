/**
 * The state backends: `qcow2` (internal disk snapshots), `qcow2ext` (external overlay files in
 * a pool) for images, `qcow2vt` (vm snapshots with RAM through QMP) for vms.
 */
export type BackendName = 'qcow2' | 'qcow2ext' | 'qcow2vt';
