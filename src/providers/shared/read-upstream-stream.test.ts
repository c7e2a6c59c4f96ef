import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { UpstreamError, type StreamPart } from '../../core/index.js';
import type { AbortScope } from '../../lib/abort-scope.js';
import { readUpstreamStream, type ReadUpstreamStreamOptions } from './read-upstream-stream.js';
import type { UpstreamStreamBody } from './send-upstream-request.js';

const scope = {
  setIdleTimer: () => ({ touch() {}, cancel() {} }),
  dispose() {},
} as unknown as AbortScope;

/** A body whose chunks are all there: read one by one, then its end. */
function bodyOf(chunks: string[]): UpstreamStreamBody {
  const queue = chunks.map((chunk) => Buffer.from(chunk));
  return {
    read: () => queue.shift() ?? null,
    arrival: () => Promise.resolve(),
    destroy() {},
    drain() {},
  };
}

/** One frame per line of the body; each frame becomes a text delta, the end a finish part. */
function streamOptions(
  chunks: string[],
  cancelFirstEventTimer: () => void = () => {},
): ReadUpstreamStreamOptions<string> {
  return {
    body: bodyOf(chunks),
    decoder: {
      push: (chunk) => chunk.toString().split('\n').filter(Boolean),
      end: () => [],
    },
    converter: {
      push: (frame, parts) => parts.push({ type: 'text-delta', delta: frame }),
      end: (parts) =>
        parts.push({ type: 'finish', finishReason: 'stop', usage: undefined } as never),
    },
    scope,
    origin: { provider: 'p', deployment: 'd' },
    idleMs: 60_000,
    cancelFirstEventTimer,
    toTransportError: (error) =>
      new UpstreamError(String(error), { provider: 'p', deployment: 'd', kind: 'connect' }),
  };
}

function texts(parts: readonly StreamPart[]): string[] {
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : part.type));
}

describe('readUpstreamStream', () => {
  it('gives the parts one by one, or grouped by the upstream read that brought them', async () => {
    const oneByOne: StreamPart[] = [];
    for await (const part of readUpstreamStream(streamOptions(['a\nb\n', 'c\n']))) {
      oneByOne.push(part);
    }
    assert.deepEqual(texts(oneByOne), ['a', 'b', 'c', 'finish']);

    const batches: string[][] = [];
    const iterator = readUpstreamStream(streamOptions(['a\nb\n', 'c\n'])).batches();
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) {
      batches.push(texts(step.value));
    }
    assert.deepEqual(batches, [['a', 'b'], ['c'], ['finish']]);
  });

  it('is read once: batches() after the parts were iterated throws', async () => {
    const parts = readUpstreamStream(streamOptions(['a\n']));
    for await (const part of parts) assert.ok(part);
    assert.throws(() => parts.batches(), /read once/);
  });

  it("keeps no stream's state alive through young-generation GCs once it is dropped", () => {
    // A generator function made per call (as `flatten` once was) left an old-generation map per
    // stream that kept the stream's closure reachable for every scavenge until a mark-compact.
    // Streams that are created and dropped unread must be young garbage: what 500 of them hold
    // (10 KB of text each, 5 MB in all) must not still be in the heap after two scavenges.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
    const payloadBytes = 10_000;
    const streams = 500;
    const heldAfterScavenges = () => {
      gc({ type: 'major' });
      gc({ type: 'major' });
      const before = getHeapStatistics().used_heap_size;
      for (let index = 0; index < streams; index += 1) {
        const state = Buffer.alloc(payloadBytes, 97 + (index % 26)).toString('latin1');
        readUpstreamStream(streamOptions([], () => void state.length));
      }
      gc({ type: 'minor' });
      gc({ type: 'minor' });
      return getHeapStatistics().used_heap_size - before;
    };
    heldAfterScavenges(); // warm-up: the first round also allocates code and feedback
    // The most of three rounds: a round's baseline can include garbage that a lazy sweep frees
    // during the round (a negative figure).
    const held = Math.max(heldAfterScavenges(), heldAfterScavenges(), heldAfterScavenges());
    assert.ok(
      held < (payloadBytes * streams) / 2,
      `${(held / 1e6).toFixed(2)} MB still held after two scavenges (payload 5 MB)`,
    );
  });
});
