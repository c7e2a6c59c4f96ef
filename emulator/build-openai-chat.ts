// Builds OpenAI / vLLM chat.completion bodies and chat.completion.chunk streams for a reply.
// OpenAI: https://platform.openai.com/docs/api-reference/chat/object and /chat-streaming; recorded
// transcripts in openai-node tests/lib/__snapshots__/ChatCompletionStream.test.ts.snap.
// vLLM: vllm/entrypoints/openai/serving_chat.py (no usage key on normal chunks, no obfuscation,
// `stop_reason` beside `finish_reason`, [DONE] also after an in-band error).
import type { Reply } from './build-reply.js';
import type { ErrorSpec } from './render-error.js';
import { openaiError, vllmErrorInfo } from './render-error.js';
import type { SseEvent, SseStream } from './write-sse-stream.js';

export interface OpenAIChatParts {
  flavour: 'openai' | 'vllm';
  id: string;
  created: number;
  model: string;
  reply: Reply;
  toolCallId: string;
  usage: Record<string, unknown>;
  finishReason: 'stop' | 'length' | 'tool_calls';
}

export interface OpenAIStreamOptions {
  includeUsage: boolean;
  obfuscation: boolean;
  errorType: string | undefined;
}

const FINGERPRINT = 'fp_emulator';
const OBFUSCATION = 'Qx7rT2mZp9LkW4vB';

export function buildChatCompletion(parts: OpenAIChatParts): string {
  const { reply } = parts;
  const toolCalls =
    reply.type === 'tool'
      ? [
          {
            id: parts.toolCallId,
            type: 'function',
            function: { name: reply.name, arguments: reply.arguments },
          },
        ]
      : undefined;
  const content = reply.type === 'text' ? reply.text : null;
  if (parts.flavour === 'vllm') {
    return JSON.stringify({
      id: parts.id,
      object: 'chat.completion',
      created: parts.created,
      model: parts.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            reasoning_content: null,
            content,
            tool_calls: toolCalls ?? [],
          },
          logprobs: null,
          finish_reason: parts.finishReason,
          stop_reason: null,
        },
      ],
      usage: parts.usage,
      prompt_logprobs: null,
    });
  }
  const message: Record<string, unknown> = {
    role: 'assistant',
    content,
    refusal: null,
    annotations: [],
  };
  if (toolCalls) message.tool_calls = toolCalls;
  return JSON.stringify({
    id: parts.id,
    object: 'chat.completion',
    created: parts.created,
    model: parts.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: parts.finishReason }],
    usage: parts.usage,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  });
}

export function buildChatStream(parts: OpenAIChatParts, options: OpenAIStreamOptions): SseStream {
  const openai = parts.flavour === 'openai';
  const head: Record<string, unknown> = {
    id: parts.id,
    object: 'chat.completion.chunk',
    created: parts.created,
    model: parts.model,
  };
  if (openai) {
    head.service_tier = 'default';
    head.system_fingerprint = FINGERPRINT;
  }
  // OpenAI documents `usage: null` on every chunk but the last when include_usage is set.
  const usageNull = openai && options.includeUsage;
  const chunk = (
    delta: object,
    finish: string | null,
    content: boolean,
    obfuscate = false,
  ): SseEvent => {
    const choice: Record<string, unknown> = {
      index: 0,
      delta,
      logprobs: null,
      finish_reason: finish,
    };
    if (!openai && finish) choice.stop_reason = null;
    const body: Record<string, unknown> = { ...head, choices: [choice] };
    if (usageNull) body.usage = null;
    if (obfuscate && openai && options.obfuscation) body.obfuscation = obfuscationFor(delta);
    return { text: `data: ${JSON.stringify(body)}\n\n`, content };
  };

  const events: SseEvent[] = [];
  const { reply } = parts;
  if (reply.type === 'text') {
    events.push(
      chunk(
        openai
          ? { role: 'assistant', content: '', refusal: null }
          : { role: 'assistant', content: '' },
        null,
        false,
      ),
    );
    for (const piece of reply.pieces) events.push(chunk({ content: piece }, null, true, true));
  } else {
    const header = {
      index: 0,
      id: parts.toolCallId,
      type: 'function',
      function: { name: reply.name, arguments: '' },
    };
    if (openai) {
      // Real OpenAI puts the role and the tool-call header in one first chunk.
      events.push(
        chunk(
          { role: 'assistant', content: null, tool_calls: [header], refusal: null },
          null,
          false,
        ),
      );
    } else {
      events.push(chunk({ role: 'assistant', content: '' }, null, false));
      events.push(chunk({ tool_calls: [header] }, null, false));
    }
    for (const fragment of reply.fragments) {
      events.push(
        chunk({ tool_calls: [{ index: 0, function: { arguments: fragment } }] }, null, true, true),
      );
    }
  }
  const tailStart = events.length;
  const finalDelta = openai || reply.type === 'tool' ? {} : { content: '' };
  events.push(chunk(finalDelta, parts.finishReason, false));
  if (options.includeUsage) {
    events.push({
      text: `data: ${JSON.stringify({ ...head, choices: [], usage: parts.usage })}\n\n`,
      content: false,
    });
  }
  events.push({ text: 'data: [DONE]\n\n', content: false });

  const spec: ErrorSpec = { status: 500 };
  if (options.errorType !== undefined) spec.type = options.errorType;
  const errorEvents = openai
    ? [`data: ${JSON.stringify({ error: openaiError(spec) })}\n\n`]
    : [`data: ${JSON.stringify({ error: vllmErrorInfo(spec) })}\n\n`, 'data: [DONE]\n\n'];
  return {
    events,
    tailStart,
    malformedEvent: `data: {"id":"${parts.id}","object":"chat.completion.chunk","choices":[{"delta":\n\n`,
    errorEvents,
  };
}

/** Pads chunks toward a constant size, like OpenAI's stream obfuscation (value is opaque). */
function obfuscationFor(delta: object): string {
  const size = JSON.stringify(delta).length;
  return OBFUSCATION.slice(0, Math.max(1, OBFUSCATION.length - (size % OBFUSCATION.length)));
}
