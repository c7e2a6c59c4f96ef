#!/usr/bin/env node
// Composition root: the only reader of process.env; runs the CLI (default command: serve).

import { setFlagsFromString } from 'node:v8';
import { createProgram } from './cli/create-program.js';

const program = createProgram({
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  onSignal: (signal, handler) => process.on(signal, handler),
  exit: (code) => process.exit(code),
  execArgv: process.execArgv,
  setV8Flag: setFlagsFromString,
});

await program.parseAsync(process.argv);
