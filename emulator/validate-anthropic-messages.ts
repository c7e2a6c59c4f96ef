// Validates a Messages body like the Anthropic API: 400 invalid_request_error naming the field.
// https://docs.anthropic.com/en/api/messages and https://docs.anthropic.com/en/api/errors
import type { EmulatorContext } from './emulator-context.js';
import type { Exchange } from './exchange.js';
import type { ErrorSpec } from './render-error.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, probed field by field
type Json = Record<string, any>;

const bad = (message: string): ErrorSpec => ({ status: 400, message });

/** `forCount`: /v1/messages/count_tokens does not take max_tokens. */
export function validateAnthropicMessages(
  exchange: Exchange,
  context: EmulatorContext,
  forCount: boolean,
): ErrorSpec | undefined {
  const body = exchange.body as Json | undefined;
  if (exchange.bodyError || !body || typeof body !== 'object' || Array.isArray(body)) {
    return bad('Request body is not valid JSON.');
  }
  if (body.model === undefined) return bad('model: Field required');
  if (typeof body.model !== 'string') return bad('model: Input should be a valid string');
  if (!forCount) {
    if (body.max_tokens === undefined) return bad('max_tokens: Field required');
    if (!Number.isInteger(body.max_tokens))
      return bad('max_tokens: Input should be a valid integer');
    if (body.max_tokens < 1) return bad('max_tokens: Input should be greater than or equal to 1');
  }
  if (body.messages === undefined) return bad('messages: Field required');
  if (!Array.isArray(body.messages)) return bad('messages: Input should be a valid list');
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) {
    return bad('system: Input should be a valid string or a list of text blocks');
  }
  const messagesError = validateMessages(body.messages as unknown[]);
  if (messagesError) return messagesError;
  const samplingError = validateSampling(
    body,
    String(exchange.request.headers['anthropic-version']),
  );
  if (samplingError) return samplingError;
  if (!context.isKnownModel(body.model)) return { status: 404, message: `model: ${body.model}` };
  return undefined;
}

function validateMessages(messages: unknown[]): ErrorSpec | undefined {
  let previousRole: string | undefined;
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as Json | null;
    if (!message || typeof message !== 'object')
      return bad(`messages.${index}: Input should be a valid dictionary`);
    const role = message.role;
    if (role === 'system') {
      return bad(
        'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, ' +
          'not "system" as an input message role.',
      );
    }
    if (role !== 'user' && role !== 'assistant') {
      return bad(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    }
    if (index === 0 && role !== 'user')
      return bad('messages: first message must use the "user" role');
    if (role === previousRole) {
      return bad(
        `messages: roles must alternate between "user" and "assistant", but found multiple "${role}" roles in a row`,
      );
    }
    previousRole = role;
    const content = message.content;
    if (content === undefined) return bad(`messages.${index}.content: Field required`);
    const isFinalAssistant = role === 'assistant' && index === messages.length - 1;
    if ((content === '' || (Array.isArray(content) && content.length === 0)) && !isFinalAssistant) {
      return bad(
        `messages.${index}: all messages must have non-empty content except for the optional final assistant message`,
      );
    }
    if (Array.isArray(content)) {
      for (const block of content as Json[]) {
        if (block?.type === 'text' && (typeof block.text !== 'string' || block.text === '')) {
          return bad('messages: text content blocks must be non-empty');
        }
      }
    } else if (typeof content !== 'string') {
      return bad(
        `messages.${index}.content: Input should be a valid string or a list of content blocks`,
      );
    }
  }
  if (messages.length === 0) return bad('messages: at least one message is required');
  return undefined;
}

/**
 * Sampling parameters. https://platform.claude.com/docs/en/api/versioning : API version 2026-10-21
 * removed `temperature`, `top_p` and `top_k` (400 at any value). Under 2023-06-01, models from
 * Opus 4.7 / Sonnet 5 / Haiku 5.5 on reject them ("`temperature` is deprecated for this model.").
 */
function validateSampling(body: Json, version: string): ErrorSpec | undefined {
  const present = ['temperature', 'top_p', 'top_k'].filter((name) => body[name] !== undefined);
  const first = present[0];
  if (first === undefined) return undefined;
  if (version >= '2026-10-21') return bad(`${first}: Extra inputs are not permitted`);
  const match = /claude-([a-z]+)-(\d+)(?:-(\d{1,2})(?!\d))?/.exec(String(body.model));
  if (match) {
    const family = match[1];
    const modelVersion = Number(match[2]) * 100 + Number(match[3] ?? 0);
    const newest =
      (family === 'opus' && modelVersion >= 407) ||
      (family === 'sonnet' && modelVersion >= 500) ||
      (family === 'haiku' && modelVersion >= 505);
    if (newest) return bad(`\`${first}\` is deprecated for this model.`);
  }
  return undefined;
}
