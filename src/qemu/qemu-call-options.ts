/** Options every call that runs a QEMU program accepts. */
export interface QemuCallOptions {
  /** Cancels the call: the program is killed and the call fails with `QEMU_ABORTED`. */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds before the program is killed and the call fails with `QEMU_TIMEOUT`.
   * @default 600_000 (qemu-img and qemu-io on large images can be slow; nothing of ours should be)
   */
  timeoutMs?: number | undefined;
  /** The program to run instead of the default one: a name looked up on `PATH`, or a path. */
  binary?: string | undefined;
}
