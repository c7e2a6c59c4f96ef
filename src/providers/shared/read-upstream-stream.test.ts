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

/**
 * A body fed by the test: `arrive` queues chunks (or a failure) and wakes the reader, `end` ends
 * it. Chunks given up front are all there when the reader starts.
 */
function testBody(initial: string[] = [], ended = initial.length > 0) {
  const queue = initial.map((chunk) => Buffer.from(chunk));
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const arrived = () => {
    wake?.();
    wake = undefined;
  };
  const body: UpstreamStreamBody = {
    read() {
      const chunk = queue.shift();
      if (chunk) return chunk;
      if (failure) throw failure;
      return ended ? null : undefined;
    },
    arrival: () => new Promise<void>((resolve) => (wake = resolve)),
    destroy() {},
    drain() {},
  };
  return {
    body,
    arrive(...chunks: string[]) {
      queue.push(...chunks.map((chunk) => Buffer.from(chunk)));
      arrived();
    },
    fail(error: Error) {
      failure = error;
      arrived();
    },
    end() {
      ended = true;
      arrived();
    },
  };
}

/** One frame per line of the body; each frame becomes a text delta, the end a finish part. */
function streamOptions(
  chunks: string[] | UpstreamStreamBody,
  cancelFirstEventTimer: () => void = () => {},
): ReadUpstreamStreamOptions<string> {
  return {
    body: Array.isArray(chunks) ? testBody(chunks).body : chunks,
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
  it('gives the parts one by one, or grouped by what had arrived when the reader got to them', async () => {
    const oneByOne: StreamPart[] = [];
    for await (const part of readUpstreamStream(streamOptions(['a\nb\n', 'c\n']))) {
      oneByOne.push(part);
    }
    assert.deepEqual(texts(oneByOne), ['a', 'b', 'c', 'finish']);

    // The stream's first chunk goes out at once, without the chunks queued behind it (the
    // client's first byte waits for no more than the first read); after it, chunks already queued
    // together make one batch (one write to the client), and a chunk that arrives while the reader
    // waits makes its own, handed over without waiting for more.
    const upstream = testBody(['a\nb\n', 'c\n', 'd\n'], false);
    const iterator = readUpstreamStream(streamOptions(upstream.body)).batches();
    const first = await iterator.next();
    assert.deepEqual(texts(first.value ?? []), ['a', 'b']);
    assert.deepEqual(texts((await iterator.next()).value ?? []), ['c', 'd']);
    const third = iterator.next();
    upstream.arrive('e\n');
    assert.deepEqual(texts((await third).value ?? []), ['e']);
    const last = iterator.next();
    upstream.end();
    assert.deepEqual(texts((await last).value ?? []), ['finish']);
    assert.equal((await iterator.next()).done, true);
  });

  it('a failure after parts still queued hands them over before the error', async () => {
    const upstream = testBody(['a\n'], false);
    const iterator = readUpstreamStream(streamOptions(upstream.body)).batches();
    assert.deepEqual(texts((await iterator.next()).value ?? []), ['a']);
    const next = iterator.next();
    upstream.arrive('b\n');
    upstream.fail(new Error('reset'));
    // 'b' arrived with the failure behind it: both in one batch, 'b' first.
    assert.deepEqual(texts((await next).value ?? []), ['b', 'error']);
    assert.equal((await iterator.next()).done, true);
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
