/**
 * Building a small real Linux guest from Debian packages, without root: the cached guest kit
 * (kernel, initramfs, busybox, qemu-ga) and bootable qcow2 disks made from it (re-exports only).
 */
export {
  buildGuestImage,
  type BuildGuestImageOptions,
  GUEST_DISK_LAYOUT,
  GUEST_IMAGE_DEFAULTS,
  GUEST_KERNEL_CMDLINE,
  GUEST_ROOT_LABEL,
  guestImageHash,
  IMAGE_RECIPE_VERSION,
  parseDiskSize,
  partitionScript,
  syslinuxConfig,
} from './guest-image.js';
export {
  defaultGuestCacheDir,
  type GuestKit,
  KIT_RECIPE_VERSION,
  kitHash,
  prepareGuestKit,
  type PrepareGuestKitOptions,
} from './guest-kit.js';
export {
  GUEST_AGENT_PIDFILE,
  GUEST_AGENT_PORT_NAME,
  GUEST_AGENT_STATEDIR,
  GUEST_NETWORK,
  GUEST_PATH,
  GUEST_READY_LINE,
} from './root-tree.js';
export { INITRD_MOUNT_FAILED } from './initramfs.js';
