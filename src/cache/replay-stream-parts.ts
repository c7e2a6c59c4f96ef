// A cached ChatResponse → the stream parts a live upstream would have produced, for replay to a
// streaming client through the surface's own stream encoder.

import type { ChatResponse, StreamPart } from '../core/index.js';

/** Long texts are replayed in pieces of this many characters (any size is valid; this keeps events small). */
const pieceChars = 512;

function pieces(text: string): string[] {
  const result: string[] = [];
  for (let start = 0; start < text.length; start += pieceChars) {
    result.push(text.slice(start, start + pieceChars));
  }
  return result;
}

export function replayStreamParts(response: ChatResponse): StreamPart[] {
  const parts: StreamPart[] = [
    { type: 'stream-start', id: response.id, model: response.model, created: response.created },
  ];
  let toolIndex = 0;
  for (const content of response.content) {
    if (content.type === 'text') {
      for (const delta of pieces(content.text)) parts.push({ type: 'text-delta', delta });
    } else if (content.type === 'reasoning') {
      for (const delta of pieces(content.text)) parts.push({ type: 'reasoning-delta', delta });
    } else {
      const index = toolIndex++;
      parts.push({ type: 'tool-call-start', index, id: content.id, name: content.name });
      if (content.arguments !== '') {
        parts.push({ type: 'tool-call-delta', index, argumentsDelta: content.arguments });
      }
    }
  }
  parts.push({ type: 'finish', finishReason: response.finishReason, usage: response.usage });
  return parts;
}
