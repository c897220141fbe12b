/**
 * Escapes a value for a QEMU `key=value,key=value` option string (`-drive file=…`,
 * `-qmp unix:…`, `--image-opts`, `-l snapshot.name=…`): QEMU reads `,,` as one literal comma.
 */
export function escapeQemuOptionValue(value: string): string {
  return value.replaceAll(',', ',,');
}
