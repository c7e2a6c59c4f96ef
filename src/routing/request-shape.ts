// What routing rules and classifiers read from a chat request: its shape (tools, images, size) and
// the text of the current question, computed once per request.

import type { ChatMessage, ChatRequest } from '../core/index.js';

export const complexityTiers = ['trivial', 'moderate', 'hard'] as const;
export type ComplexityTier = (typeof complexityTiers)[number];

export interface RequestShape {
  hasTools: boolean;
  hasImages: boolean;
  /** Characters of all text in the prompt (messages and tool definitions). */
  inputChars: number;
  /** inputChars / 4: a cheap estimate, good enough for "long context" rules. */
  estimatedInputTokens: number;
  /** The last user message's text. */
  lastUserText: string;
  systemChars: number;
  userTurns: number;
}

function textOf(message: ChatMessage): { text: string; images: boolean } {
  let text = '';
  let images = false;
  for (const part of message.content) {
    switch (part.type) {
      case 'text':
      case 'reasoning':
        text += part.text;
        break;
      case 'image':
        images = true;
        break;
      case 'tool-call':
        text += part.arguments;
        break;
      case 'tool-result':
        if (typeof part.content === 'string') text += part.content;
        else
          for (const item of part.content) {
            if (item.type === 'text') text += item.text;
            else images = true;
          }
        break;
      case 'opaque':
        if (part.value.type === 'image_url' || part.value.type === 'input_image') images = true;
        break;
    }
  }
  return { text, images };
}

export function describeRequest(request: ChatRequest): RequestShape {
  let inputChars = 0;
  let hasImages = false;
  let lastUserText = '';
  let systemChars = 0;
  let userTurns = 0;
  for (const message of request.messages) {
    const { text, images } = textOf(message);
    inputChars += text.length;
    if (images) hasImages = true;
    if (message.role === 'system') systemChars += text.length;
    if (message.role === 'user') {
      userTurns++;
      lastUserText = text;
    }
  }
  const hasTools = request.tools !== undefined && request.tools.length > 0;
  if (hasTools) {
    for (const tool of request.tools ?? []) {
      inputChars += tool.name.length + (tool.description?.length ?? 0);
      inputChars += JSON.stringify(tool.parameters).length;
    }
  }
  return {
    hasTools,
    hasImages,
    inputChars,
    estimatedInputTokens: Math.ceil(inputChars / 4),
    lastUserText,
    systemChars,
    userTurns,
  };
}
