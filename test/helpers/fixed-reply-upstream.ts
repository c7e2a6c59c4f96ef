// An upstream that answers every request with the same bytes in a single write, and a gateway with
// one alias (`fast`) in front of it: for tests about what the gateway does with exact upstream bytes.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { configFor, startGateway, type TestGateway } from './start-gateway.js';

export interface FixedReplyGateway {
  gateway: TestGateway;
  close(): Promise<void>;
}

export async function startFixedReplyGateway(
  contentType: string,
  body: string,
): Promise<FixedReplyGateway> {
  const upstream = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': contentType });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  const gateway = await startGateway(
    configFor(
      { upstream: { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-up' } },
      { fast: [{ provider: 'upstream', model: 'gpt-4o-mini' }] },
    ),
  );
  return {
    gateway,
    async close() {
      await gateway.close();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    },
  };
}
