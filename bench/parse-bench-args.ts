// Command-line options of the bench tools: node:util's parseArgs, plus `--help` and a usage text
// instead of a stack trace on an unknown option or a bad value.

import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

type Values<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; strict: true }>
>['values'];

/** Prints why and the usage to stderr, and exits 2. */
export function refuseBenchArgs(message: string, usage: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

/** The options' values; `--help` prints the usage and exits 0, a bad command line exits 2. */
export function parseBenchArgs<O extends ParseArgsOptionsConfig>(
  options: O,
  usage: string,
  args: string[] = process.argv.slice(2),
): Values<O> {
  let values: Values<O> & { help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }) as { values: Values<O> & { help?: boolean } });
  } catch (error) {
    refuseBenchArgs(error instanceof Error ? error.message : String(error), usage);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  delete values.help;
  return values;
}

/** A non-negative number from a string option, or a refusal naming the option. */
export function numberOption(name: string, value: string, usage: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) {
    refuseBenchArgs(
      `--${name}: expected a non-negative number, got ${JSON.stringify(value)}`,
      usage,
    );
  }
  return number;
}
