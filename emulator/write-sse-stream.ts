// Streams prepared SSE events one write each, with delays and the mid-stream faults of the plan.
import type { Exchange } from './exchange.js';

export interface SseEvent {
  /** The full SSE text of the event, ending with a blank line. */
  text: string;
  /** Counts toward `afterChunks` (a text or tool-argument delta). */
  content: boolean;
}

export interface SseStream {
  events: SseEvent[];
  /** Index of the first closing event (finish chunk / message_delta): truncate never reaches it. */
  tailStart: number;
  /** A `data:` line that is not JSON, for `malformed`. */
  malformedEvent: string;
  /** The in-band error, for `midStreamError` (after it the stream ends). */
  errorEvents: string[];
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
} as const;

export async function writeSseStream(exchange: Exchange, stream: SseStream): Promise<void> {
  const { response } = exchange;
  const fault = exchange.fault;
  response.writeHead(200, { ...exchange.baseHeaders, ...SSE_HEADERS });
  response.socket?.setNoDelay(true);
  response.flushHeaders();
  const ttftMs = fault?.ttftMs ?? 0;
  const chunkDelayMs = fault?.chunkDelayMs ?? 0;
  const faultAt =
    fault && hasMidStreamFault(fault) ? findFaultIndex(stream, fault.afterChunks ?? 2) : -1;
  const { events } = stream;
  for (let index = 0; index < events.length; index++) {
    // A mid-stream fault takes the place of the event it precedes, after the same delay.
    const delayMs = index === 0 ? ttftMs : chunkDelayMs;
    if (delayMs > 0) await exchange.sleep(delayMs);
    if (exchange.closed) return;
    if (index === faultAt && fault) {
      if (fault.hang === 'mid-stream') return exchange.untilClosed();
      if (fault.reset === 'mid-stream') return exchange.reset();
      if (fault.truncate) return void response.end();
      if (fault.midStreamError) {
        for (const text of stream.errorEvents) response.write(text);
        return void response.end();
      }
      if (fault.malformed) response.write(stream.malformedEvent);
    }
    response.write((events[index] as SseEvent).text);
  }
  if (fault?.endDelayMs) {
    await exchange.sleep(fault.endDelayMs);
    if (exchange.closed) return;
  }
  response.end();
}

function hasMidStreamFault(fault: NonNullable<Exchange['fault']>): boolean {
  return Boolean(
    fault.hang === 'mid-stream' ||
    fault.reset === 'mid-stream' ||
    fault.truncate ||
    fault.malformed ||
    fault.midStreamError,
  );
}

/** The event index before which the fault fires: after `afterChunks` content events, capped at the tail. */
function findFaultIndex(stream: SseStream, afterChunks: number): number {
  let seen = 0;
  for (let index = 0; index < stream.tailStart; index++) {
    if (!stream.events[index]?.content) continue;
    if (seen === afterChunks) return index;
    seen++;
  }
  return stream.tailStart;
}
