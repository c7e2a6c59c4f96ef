// The /_emulator control API: faults, stats and recorded requests over HTTP (CLI and benchmarks).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultQueue } from './fault-queue.js';
import { parseFaultPlans } from './parse-fault-plans.js';
import { readJsonBody } from './read-json-body.js';
import type { EmulatorStats, RecordedRequest } from './types.js';

export interface ControlTarget {
  faults: FaultQueue;
  stats(): EmulatorStats;
  requests: RecordedRequest[];
}

export async function handleControl(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  target: ControlTarget,
): Promise<void> {
  const route = `${request.method ?? 'GET'} ${path}`;
  switch (route) {
    case 'POST /_emulator/faults': {
      const body = await readJsonBody(request);
      const plans = body.invalid ? 'body is not JSON' : parseFaultPlans(body.value);
      if (typeof plans === 'string') return reply(response, 400, { error: plans });
      target.faults.set(plans);
      return reply(response, 200, { ok: true, faults: target.faults.list() });
    }
    case 'DELETE /_emulator/faults':
      target.faults.clear();
      return reply(response, 200, { ok: true });
    case 'GET /_emulator/faults':
      return reply(response, 200, { faults: target.faults.list() });
    case 'GET /_emulator/stats':
      return reply(response, 200, target.stats());
    case 'GET /_emulator/requests':
      return reply(response, 200, target.requests);
    case 'DELETE /_emulator/requests':
      target.requests.length = 0;
      return reply(response, 200, { ok: true });
    default:
      return reply(response, 404, { error: `unknown control route ${route}` });
  }
}

function reply(response: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
