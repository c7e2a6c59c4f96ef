// Applies the part of a fault plan that happens before the reply: latency, reset, hang, status.
import type { OutgoingHttpHeaders } from 'node:http';
import type { Exchange } from './exchange.js';
import type { ErrorSpec } from './render-error.js';
import { sendJson } from './send-json.js';

/** Returns true when the fault took over the exchange (the handler must not reply). */
export async function applyFaultBeforeHeaders(
  exchange: Exchange,
  renderErrorBody: (spec: ErrorSpec) => string,
  contentType: string,
  /** Extra headers of an error reply (Bedrock's x-amzn-errortype). */
  errorHeaders?: (spec: ErrorSpec) => OutgoingHttpHeaders,
): Promise<boolean> {
  const fault = exchange.fault;
  if (!fault) return false;
  if (fault.latencyMs) await exchange.sleep(fault.latencyMs);
  if (exchange.closed) return true;
  if (fault.reset === 'before-headers') {
    exchange.reset();
    return true;
  }
  if (fault.hang === 'before-headers') {
    await exchange.untilClosed();
    return true;
  }
  if (fault.status !== undefined && fault.status >= 300) {
    const spec: ErrorSpec = { status: fault.status };
    if (fault.errorType !== undefined) spec.type = fault.errorType;
    const headers = {
      ...errorHeaders?.(spec),
      ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
    };
    sendJson(exchange, fault.status, renderErrorBody(spec), headers);
    return true;
  }
  if (fault.hang === 'after-headers') {
    exchange.response.writeHead(200, { ...exchange.baseHeaders, 'content-type': contentType });
    exchange.response.flushHeaders();
    await exchange.untilClosed();
    return true;
  }
  return false;
}
