/** Runs the CLI in-process with captured output, as the tests of commands do. */
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await main(argv, { stdout, stderr, env: { ...env }, cwd });
  return { code, stdout: out, stderr: err };
}
