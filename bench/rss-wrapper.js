// Runs the cartograph CLI in this process and reports its peak resident memory on stderr as
// "maxrss_kb=N", so benchmarks can measure memory without a platform `time` command.
import { main } from '../dist/bundle/main.js';

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
