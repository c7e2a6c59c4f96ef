// POST /v1/embeddings for the openai and vllm kinds: deterministic unit vectors per input.
// https://platform.openai.com/docs/api-reference/embeddings/create ; the openai SDK asks for
// base64 by default and decodes it (openai-node src/resources/embeddings.ts).
import { countTextTokens } from './count-prompt-tokens.js';
import { embedText, encodeBase64 } from './embed-text.js';
import type { EmulatorContext } from './emulator-context.js';
import type { Exchange } from './exchange.js';
import type { ErrorSpec } from './render-error.js';
import { sendJson, sendJsonReply } from './send-json.js';
import { validateJsonObject, validateModel } from './validate-openai-chat.js';

const OPENAI_DIMENSIONS = 1536;
const VLLM_DIMENSIONS = 384;

export async function handleEmbeddings(
  exchange: Exchange,
  context: EmulatorContext,
): Promise<void> {
  const invalid = validateEmbeddings(exchange, context);
  if (invalid) {
    sendJson(exchange, invalid.status, context.renderError(invalid, exchange.requestId));
    return;
  }
  const body = exchange.body;
  const vllm = context.options.kind === 'vllm';
  const dimensions: number = body.dimensions ?? (vllm ? VLLM_DIMENSIONS : OPENAI_DIMENSIONS);
  const base64 = body.encoding_format === 'base64';
  const inputs = toInputs(body.input);
  let promptTokens = 0;
  const data = inputs.map((input, index) => {
    promptTokens += typeof input === 'string' ? countTextTokens(input) : input.length;
    const vector = embedText(typeof input === 'string' ? input : JSON.stringify(input), dimensions);
    return {
      object: 'embedding',
      index,
      embedding: base64 ? encodeBase64(vector) : Array.from(vector),
    };
  });
  const payload = vllm
    ? {
        id: context.nextId('embd-'),
        object: 'list',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        data,
        usage: {
          prompt_tokens: promptTokens,
          total_tokens: promptTokens,
          completion_tokens: 0,
          prompt_tokens_details: null,
        },
      }
    : {
        object: 'list',
        data,
        model: body.model,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      };
  await sendJsonReply(exchange, JSON.stringify(payload));
}

function validateEmbeddings(exchange: Exchange, context: EmulatorContext): ErrorSpec | undefined {
  const notObject = validateJsonObject(exchange);
  if (notObject) return notObject;
  const body = exchange.body;
  if (body.input === undefined || body.input === null) {
    return {
      status: 400,
      message: "Missing required parameter: 'input'.",
      param: 'input',
      code: 'missing_required_parameter',
    };
  }
  if (
    (typeof body.input === 'string' && body.input === '') ||
    (Array.isArray(body.input) && !body.input.length)
  ) {
    return {
      status: 400,
      message: "'$.input' is invalid. Please check the API reference.",
      param: 'input',
    };
  }
  if (
    body.encoding_format !== undefined &&
    body.encoding_format !== 'float' &&
    body.encoding_format !== 'base64'
  ) {
    return {
      status: 400,
      message: `Invalid value: '${String(body.encoding_format)}'. Supported values are: 'float' and 'base64'.`,
      param: 'encoding_format',
      code: 'invalid_value',
    };
  }
  if (
    body.dimensions !== undefined &&
    (!Number.isInteger(body.dimensions) || body.dimensions < 1)
  ) {
    return {
      status: 400,
      message: "Invalid 'dimensions': must be a positive integer.",
      param: 'dimensions',
    };
  }
  return validateModel(exchange, context);
}

/** string | string[] | number[] (tokens) | number[][] → one entry per input. */
function toInputs(input: unknown): (string | number[])[] {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [JSON.stringify(input)];
  if (input.every((item) => typeof item === 'number')) return [input];
  return input.map((item) =>
    typeof item === 'string' || Array.isArray(item) ? item : JSON.stringify(item),
  );
}
