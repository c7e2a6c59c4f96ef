// Watches the parts of an upstream stream and assembles the complete answer, for storing a streamed
// miss. Only a stream that ended with a `finish` part (proved complete) yields an answer.

import type {
  ChatResponse,
  ReasoningPart,
  StreamPart,
  TextPart,
  ToolCallPart,
} from '../core/index.js';

export class StreamAnswerAssembler {
  private start: Extract<StreamPart, { type: 'stream-start' }> | undefined;
  private content: Array<TextPart | ToolCallPart | ReasoningPart> = [];
  private tools = new Map<number, ToolCallPart>();
  private finished: Extract<StreamPart, { type: 'finish' }> | undefined;
  private failed = false;

  /** Feed every part of every attempt; a new attempt (`stream-start`) starts over. */
  observe(part: StreamPart): void {
    switch (part.type) {
      case 'stream-start':
        this.start = part;
        this.content = [];
        this.tools.clear();
        this.finished = undefined;
        this.failed = false;
        return;
      case 'text-delta': {
        const last = this.content.at(-1);
        if (last?.type === 'text') last.text += part.delta;
        else this.content.push({ type: 'text', text: part.delta });
        return;
      }
      case 'reasoning-delta': {
        const last = this.content.at(-1);
        if (last?.type === 'reasoning') last.text += part.delta;
        else this.content.push({ type: 'reasoning', text: part.delta });
        return;
      }
      case 'tool-call-start': {
        const existing = this.tools.get(part.index);
        if (existing) {
          if (part.id) existing.id = part.id;
          if (part.name) existing.name = part.name;
          return;
        }
        const call: ToolCallPart = {
          type: 'tool-call',
          id: part.id,
          name: part.name,
          arguments: '',
        };
        this.tools.set(part.index, call);
        this.content.push(call);
        return;
      }
      case 'tool-call-delta': {
        const call = this.tools.get(part.index);
        if (call) call.arguments += part.argumentsDelta;
        else this.failed = true;
        return;
      }
      case 'finish':
        this.finished = part;
        return;
      case 'error':
        this.failed = true;
        return;
      case 'raw':
        return;
    }
  }

  /** The complete answer, or undefined when the stream failed, was cut, or has not ended. */
  answer(): ChatResponse | undefined {
    if (this.failed || !this.finished || !this.start) return undefined;
    return {
      id: this.start.id,
      model: this.start.model,
      created: this.start.created,
      content: this.content,
      finishReason: this.finished.finishReason,
      usage: this.finished.usage,
    };
  }
}
