// Starts a gateway in-process on port 0 from a raw config object, with logs captured in memory.

import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load-config.js';
import {
  createGateway,
  type Gateway,
  type GatewayOptions,
} from '../../src/server/create-gateway.js';
import { createLogger } from '../../src/telemetry/create-logger.js';

export interface TestGateway {
  url: string;
  gateway: Gateway;
  logs: string[];
  close(): Promise<void>;
}

export async function startGateway(
  rawConfig: Record<string, unknown>,
  env: Record<string, string> = {},
  options: GatewayOptions = {},
): Promise<TestGateway> {
  const config = parseConfig(
    {
      // Tests that do not configure traces get none: no embedded database per test gateway.
      traces: { enabled: false },
      ...rawConfig,
      server: { port: 0, ...(rawConfig.server as object | undefined) },
    },
    env,
    'test config',
  );
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const gateway = createGateway(config, logger, options);
  const url = await gateway.start();
  return { url, gateway, logs, close: () => gateway.close() };
}

/** A config with one OpenAI-style provider per emulator URL and one alias per entry. */
export function configFor(
  providers: Record<string, { type?: string; baseUrl: string; apiKey?: string }>,
  models: Record<
    string,
    Array<{ provider: string; model: string; timeouts?: Record<string, number> }>
  >,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const entries = Object.entries(providers).map(([name, provider]) => [
    name,
    { type: provider.type ?? 'openai', ...provider },
  ]);
  return { providers: Object.fromEntries(entries), models, ...extra };
}
