/**
 * Runs a node's `command` through `/bin/sh -c` in its work directory, with the environment
 * the run prepares (params never spliced into the command text), output appended to the
 * node's log file. The shell and everything it starts form a process group, so cancelling
 * stops them all.
 */
import { appendFileSync } from 'node:fs';
import { execa } from 'execa';
import { RunError } from '../errors.js';

export interface NodeCommand {
  readonly command: string;
  readonly cwd: string;
  /** Added to the environment of cartograph itself. */
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  readonly signal?: AbortSignal;
  /** Milliseconds before the command is killed. @default no limit */
  readonly timeoutMs?: number;
}

export async function runNodeCommand(spec: NodeCommand): Promise<void> {
  appendFileSync(spec.logFile, `$ ${spec.command}\n`);
  {
    const log = { file: spec.logFile, append: true } as const;
    const child = execa('/bin/sh', ['-c', spec.command], {
      cwd: spec.cwd,
      env: spec.env,
      extendEnv: true,
      stdin: 'ignore',
      stdout: log,
      stderr: log,
      detached: true,
      reject: false,
      // 0 means no limit.
      timeout: spec.timeoutMs ?? 0,
    });
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 3000).unref();
    };
    spec.signal?.addEventListener('abort', killGroup, { once: true });
    const result = await child;
    spec.signal?.removeEventListener('abort', killGroup);
    if (spec.signal?.aborted === true) {
      throw new RunError('RUN_CANCELLED', 'the run was interrupted while the command ran');
    }
    if (result.failed) {
      const how = result.timedOut
        ? `timed out after ${spec.timeoutMs ?? 0} ms`
        : result.signal !== undefined
          ? `was killed by ${result.signal}`
          : `exited with code ${result.exitCode ?? '?'}`;
      throw new RunError('RUN_COMMAND_FAILED', `the command ${how} (output in ${spec.logFile})`);
    }
  }
}
