// A cached answer replays as the parts a live stream has, and assembling those parts gives the
// answer back; only a stream with a finish part assembles to an answer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUsage, type ChatResponse, type StreamPart } from '../core/index.js';
import { StreamAnswerAssembler } from './assemble-stream-answer.js';
import { replayStreamParts } from './replay-stream-parts.js';

const response: ChatResponse = {
  id: 'chatcmpl-1',
  model: 'gpt-4o-mini',
  created: 1_700_000_000,
  content: [
    { type: 'reasoning', text: 'Thinking about it.' },
    { type: 'text', text: 'x'.repeat(1_300) },
    { type: 'tool-call', id: 'call_1', name: 'lookup', arguments: '{"q":"rivers"}' },
    { type: 'tool-call', id: 'call_2', name: 'noop', arguments: '' },
  ],
  finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
  usage: createUsage({ inputNoCache: 10, cacheRead: 5, outputTotal: 20, reasoning: 4 }),
};

describe('stream replay and assembly', () => {
  it('replays stream-start, deltas in pieces, tool calls, then finish with usage', () => {
    const parts = replayStreamParts(response);
    assert.equal(parts[0]?.type, 'stream-start');
    assert.equal(parts.at(-1)?.type, 'finish');
    assert.equal(parts.filter((part) => part.type === 'text-delta').length, 3);
    const finish = parts.at(-1) as Extract<StreamPart, { type: 'finish' }>;
    assert.deepEqual(finish.usage, response.usage);
  });

  it('round-trips through the assembler', () => {
    const assembler = new StreamAnswerAssembler();
    for (const part of replayStreamParts(response)) assembler.observe(part);
    assert.deepEqual(assembler.answer(), response);
  });

  it('yields nothing for a stream without finish, or with an error, and starts over per attempt', () => {
    const parts = replayStreamParts(response);
    const cut = new StreamAnswerAssembler();
    for (const part of parts.slice(0, -1)) cut.observe(part);
    assert.equal(cut.answer(), undefined);

    const failed = new StreamAnswerAssembler();
    for (const part of parts.slice(0, 3)) failed.observe(part);
    failed.observe({ type: 'error', error: new Error('boom') as never });
    assert.equal(failed.answer(), undefined);
    // A fallback attempt starts with its own stream-start and completes.
    for (const part of parts) failed.observe(part);
    assert.deepEqual(failed.answer(), response);
  });
});
