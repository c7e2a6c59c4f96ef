// With otel.endpoint set, each request becomes a SERVER span and each attempt a CLIENT child span,
// posted as OTLP/HTTP JSON with the GenAI semantic-convention attributes; an incoming traceparent
// makes the request span its child.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { configFor, startGateway, type TestGateway } from './helpers/start-gateway.js';
import { waitFor } from './helpers/wait-for.js';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status: { code: number };
}

function attribute(span: Span, key: string): unknown {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (!value) return undefined;
  if ('intValue' in value) return Number(value.intValue);
  return Object.values(value)[0];
}

describe('OpenTelemetry spans', () => {
  let primary: Emulator;
  let backup: Emulator;
  let collector: Server;
  let gateway: TestGateway;
  const spans: Span[] = [];
  const headersSeen: string[] = [];

  before(async () => {
    collector = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        headersSeen.push(String(request.headers['x-collector-token']));
        const payload = JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }>;
        };
        for (const resource of payload.resourceSpans) {
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const port = (collector.address() as AddressInfo).port;
    primary = await startEmulator({ kind: 'openai' });
    backup = await startEmulator({ kind: 'openai' });
    gateway = await startGateway(
      configFor(
        { primary: { baseUrl: `${primary.url}/v1` }, backup: { baseUrl: `${backup.url}/v1` } },
        {
          chain: [
            { provider: 'primary', model: 'gpt-4o-mini' },
            { provider: 'backup', model: 'gpt-4o' },
          ],
        },
        {
          otel: {
            endpoint: `http://127.0.0.1:${port}/v1/traces`,
            headers: { 'x-collector-token': 'abc' },
          },
          resilience: { breaker: { enabled: false }, retries: { maxRetries: 0 } },
        },
      ),
    );
  });

  after(async () => {
    await gateway?.close();
    await primary?.close();
    await backup?.close();
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  });

  it('exports a request span and one span per attempt', async () => {
    primary.setFaults({ status: 503, count: 1, path: '/v1/chat/completions' });
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const parentTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const answer = await client.chat.completions.create(
      { model: 'chain', messages: [{ role: 'user', content: 'trace me' }] },
      { headers: { traceparent: `00-${parentTrace}-00f067aa0ba902b7-01` } },
    );
    await waitFor(() => spans.length >= 3, 5_000, 'three spans exported');
    assert.equal(headersSeen[0], 'abc');
    const server = spans.find((span) => span.kind === 2);
    assert.ok(server);
    assert.equal(server.traceId, parentTrace);
    assert.equal(server.parentSpanId, '00f067aa0ba902b7');
    assert.equal(server.name, 'chat chain');
    assert.equal(attribute(server, 'gen_ai.operation.name'), 'chat');
    assert.equal(attribute(server, 'gen_ai.request.model'), 'chain');
    assert.equal(attribute(server, 'gen_ai.response.model'), 'gpt-4o');
    assert.equal(attribute(server, 'gen_ai.provider.name'), 'openai');
    assert.equal(attribute(server, 'gen_ai.usage.input_tokens'), answer.usage?.prompt_tokens);
    assert.equal(attribute(server, 'gen_ai.usage.output_tokens'), answer.usage?.completion_tokens);
    const attempts = spans.filter((span) => span.kind === 3);
    assert.equal(attempts.length, 2);
    for (const attempt of attempts) {
      assert.equal(attempt.parentSpanId, server.spanId);
      assert.equal(attempt.traceId, parentTrace);
    }
    const [failed, served] = attempts;
    assert.equal(failed?.status.code, 2);
    assert.equal(attribute(failed, 'gen_ai.request.model'), 'gpt-4o-mini');
    assert.equal(attribute(failed, 'http.response.status_code'), 503);
    assert.equal(served?.status.code, 1);
    assert.equal(attribute(served, 'gen_ai.request.model'), 'gpt-4o');
  });
});
