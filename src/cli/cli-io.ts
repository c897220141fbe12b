/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin?: NodeJS.ReadableStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Exit codes of the CLI. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  internal: 3,
  sigint: 130,
  sigterm: 143,
} as const;
