// Writes JSON replies; success bodies honour the mid-body faults (hang, reset, truncate, malformed).
import type { OutgoingHttpHeaders } from 'node:http';
import type { Exchange } from './exchange.js';

/** Sends a complete JSON body with content-length. */
export function sendJson(
  exchange: Exchange,
  status: number,
  bodyText: string,
  headers?: OutgoingHttpHeaders,
): void {
  if (exchange.closed) return;
  exchange.response.writeHead(status, {
    ...exchange.baseHeaders,
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(bodyText),
  });
  exchange.response.end(bodyText);
}

/** Sends a 200 reply, applying the exchange's mid-stream faults to the body as a whole. */
export async function sendJsonReply(exchange: Exchange, bodyText: string): Promise<void> {
  const fault = exchange.fault;
  if (
    !fault ||
    !(
      fault.hang === 'mid-stream' ||
      fault.reset === 'mid-stream' ||
      fault.truncate ||
      fault.malformed
    )
  ) {
    sendJson(exchange, 200, bodyText);
    return;
  }
  if (fault.malformed) {
    sendJson(exchange, 200, bodyText.slice(0, Math.ceil(bodyText.length / 2)) + '<<not json');
    return;
  }
  const { response } = exchange;
  response.writeHead(200, { ...exchange.baseHeaders, 'content-type': 'application/json' });
  response.write(bodyText.slice(0, Math.ceil(bodyText.length / 2)));
  if (fault.hang === 'mid-stream') await exchange.untilClosed();
  else if (fault.reset === 'mid-stream') exchange.reset();
  else response.end();
}
