import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { StreamPart } from '../../core/index.js';
import { EventStreamDecoder } from '../../lib/event-stream-decoder.js';
import { BedrockStreamConverter } from './convert-bedrock-stream.js';

const fixtures = new URL('./__fixtures__/', import.meta.url);
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const update = process.env.UPDATE_GOLDEN === '1';

/**
 * The binary fixture: each entry of `<name>.events.json` as one frame. Written once with
 * UPDATE_GOLDEN=1 and then read as bytes, so the decoder is tested on a fixed byte sequence.
 */
function eventStreamBytes(name: string): Buffer {
  const file = new URL(`${name}.eventstream`, fixtures);
  if (update || !existsSync(file)) {
    const events = JSON.parse(
      readFileSync(new URL(`${name}.events.json`, fixtures), 'utf8'),
    ) as Array<{
      event: string;
      payload: unknown;
    }>;
    const bytes = Buffer.concat(
      events.map((entry) =>
        codec.encode({
          headers: {
            ':event-type': { type: 'string', value: entry.event },
            ':content-type': { type: 'string', value: 'application/json' },
            ':message-type': { type: 'string', value: 'event' },
          },
          body: fromUtf8(JSON.stringify(entry.payload)),
        }),
      ),
    );
    if (update) writeFileSync(file, bytes);
    return bytes;
  }
  return readFileSync(file);
}

function convert(chunks: Uint8Array[]): StreamPart[] {
  const decoder = new EventStreamDecoder();
  const converter = new BedrockStreamConverter({
    provider: 'bedrock',
    deployment: 'bedrock/m',
    model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    id: 'bedrock-fixture',
    inputTokens: 'exclusive',
  });
  const parts: StreamPart[] = [];
  for (const chunk of chunks) {
    for (const message of decoder.push(chunk)) converter.push(message, parts);
  }
  decoder.end();
  converter.end(parts);
  // `created` is the clock's: not part of the golden.
  return parts.map((part) => (part.type === 'stream-start' ? { ...part, created: 0 } : part));
}

function golden(name: string, actual: unknown): void {
  const file = new URL(`${name}.parts.json`, fixtures);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (update) writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `golden ${name}.parts.json`);
}

describe('BedrockStreamConverter on the byte fixture', () => {
  const name = 'converse-stream-tool';
  const bytes = eventStreamBytes(name);

  it('matches the golden parts', () => {
    golden(name, convert([bytes]));
  });

  it('gives the golden parts for a split at every byte', () => {
    const expected = JSON.stringify(convert([bytes]));
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.equal(
        JSON.stringify(convert([bytes.subarray(0, cut), bytes.subarray(cut)])),
        expected,
        `cut at ${cut}`,
      );
    }
  });
});
