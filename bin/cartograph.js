#!/usr/bin/env node
// Thin launcher: all behaviour lives in src/cli (compiled to dist/ on npm install).
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
