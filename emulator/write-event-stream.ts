// Streams prepared event-stream frames one write each, with delays and the mid-stream faults.
import type { Exchange } from './exchange.js';
import type { BedrockEventStream } from './build-bedrock-converse.js';

export const EVENT_STREAM_HEADERS = {
  'content-type': 'application/vnd.amazon.eventstream',
} as const;

export async function writeEventStream(
  exchange: Exchange,
  stream: BedrockEventStream,
): Promise<void> {
  const { response } = exchange;
  const fault = exchange.fault;
  response.writeHead(200, { ...exchange.baseHeaders, ...EVENT_STREAM_HEADERS });
  response.socket?.setNoDelay(true);
  response.flushHeaders();
  const ttftMs = fault?.ttftMs ?? 0;
  const chunkDelayMs = fault?.chunkDelayMs ?? 0;
  const faultAt =
    fault && hasMidStreamFault(fault) ? findFaultIndex(stream, fault.afterChunks ?? 2) : -1;
  const { frames } = stream;
  for (let index = 0; index < frames.length; index++) {
    const delayMs = index === 0 ? ttftMs : chunkDelayMs;
    if (delayMs > 0) await exchange.sleep(delayMs);
    if (exchange.closed) return;
    if (index === faultAt && fault) {
      if (fault.hang === 'mid-stream') return exchange.untilClosed();
      if (fault.reset === 'mid-stream') return exchange.reset();
      if (fault.truncate) return void response.end();
      if (fault.midStreamError) {
        response.write(stream.exceptionFrame);
        return void response.end();
      }
      if (fault.malformed) response.write(stream.malformedFrame);
    }
    response.write(frames[index]!.bytes);
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

/** The frame index before which the fault fires: after `afterChunks` content frames, capped at the tail. */
function findFaultIndex(stream: BedrockEventStream, afterChunks: number): number {
  let seen = 0;
  for (let index = 0; index < stream.tailStart; index++) {
    if (!stream.frames[index]?.content) continue;
    if (seen === afterChunks) return index;
    seen++;
  }
  return stream.tailStart;
}
