// CLI: node --import tsx emulator/main.ts --kind openai|vllm|anthropic --port N [--name X] ...
import { parseArgs } from 'node:util';
import { startEmulator } from './start-emulator.js';
import type { EmulatorKind, EmulatorOptions } from './types.js';

const KINDS: EmulatorKind[] = ['openai', 'vllm', 'anthropic', 'bedrock'];

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'openai' },
    host: { type: 'string' },
    port: { type: 'string', default: '0' },
    name: { type: 'string' },
    model: { type: 'string', multiple: true },
    lora: { type: 'string', multiple: true },
    'api-key': { type: 'string' },
    'prompt-tokens-details': { type: 'boolean', default: false },
    'no-record': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: emulator/main.ts --kind openai|vllm|anthropic [--port N] [--host H] [--name X]\n' +
      '       [--model M]... [--lora NAME]... [--api-key K] [--prompt-tokens-details] [--no-record]\n',
  );
  process.exit(0);
}
const kind = values.kind as EmulatorKind;
if (!KINDS.includes(kind)) {
  process.stderr.write(`--kind must be one of ${KINDS.join(', ')}\n`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('--port must be an integer 0..65535\n');
  process.exit(2);
}

const options: EmulatorOptions = {
  kind,
  port,
  promptTokensDetails: values['prompt-tokens-details'],
  recordRequests: !values['no-record'],
};
if (values.host !== undefined) options.host = values.host;
if (values.name !== undefined) options.name = values.name;
if (values.model?.length) options.models = values.model;
if (values.lora?.length) options.loraAdapters = values.lora;
if (values['api-key'] !== undefined) options.apiKey = values['api-key'];

const emulator = await startEmulator(options);
process.stdout.write(`${emulator.url}\n`);

const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
