// Validates a chat.completions body the way OpenAI (and vLLM) reject it: 400s naming the field,
// 404 for an unknown model. Messages follow the OpenAI error guide wording.
import type { EmulatorContext } from './emulator-context.js';
import type { Exchange } from './exchange.js';
import type { ErrorSpec } from './render-error.js';

export const OPENAI_BAD_JSON =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your " +
  'HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)';

/** Checks the body is a JSON object; for embeddings and chat alike. */
export function validateJsonObject(exchange: Exchange): ErrorSpec | undefined {
  const body = exchange.body;
  if (exchange.bodyError || !body || typeof body !== 'object' || Array.isArray(body)) {
    return { status: 400, message: OPENAI_BAD_JSON };
  }
  return undefined;
}

/** Checks `model` (required for OpenAI, optional for vLLM which then uses its served model). */
export function validateModel(exchange: Exchange, context: EmulatorContext): ErrorSpec | undefined {
  const model = exchange.body.model;
  const vllm = context.options.kind === 'vllm';
  if (model === undefined || model === null) {
    if (vllm) {
      exchange.body.model = context.options.baseModel;
      return undefined;
    }
    return { status: 400, message: 'you must provide a model parameter' };
  }
  if (typeof model !== 'string') {
    return invalidType('model', 'a string', model);
  }
  if (!context.isKnownModel(model)) {
    return vllm
      ? { status: 404, message: `The model \`${model}\` does not exist.`, param: 'model' }
      : {
          status: 404,
          message: `The model \`${model}\` does not exist or you do not have access to it.`,
          code: 'model_not_found',
        };
  }
  return undefined;
}

export function validateOpenAIChat(
  exchange: Exchange,
  context: EmulatorContext,
): ErrorSpec | undefined {
  const notObject = validateJsonObject(exchange);
  if (notObject) return notObject;
  const body = exchange.body;
  if (body.messages === undefined) {
    return {
      status: 400,
      message: "Missing required parameter: 'messages'.",
      param: 'messages',
      code: 'missing_required_parameter',
    };
  }
  if (!Array.isArray(body.messages))
    return invalidType('messages', 'an array of objects', body.messages);
  if (body.messages.length === 0) {
    return {
      status: 400,
      message:
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      param: 'messages',
      code: 'empty_array',
    };
  }
  for (let index = 0; index < body.messages.length; index++) {
    const message = body.messages[index];
    if (!message || typeof message !== 'object' || typeof message.role !== 'string') {
      return {
        status: 400,
        message: `Missing required parameter: 'messages[${index}].role'.`,
        param: `messages[${index}].role`,
        code: 'missing_required_parameter',
      };
    }
  }
  if (body.stream_options != null && body.stream !== true) {
    return {
      status: 400,
      message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      param: 'stream_options',
      code: null,
    };
  }
  return validateModel(exchange, context);
}

function invalidType(param: string, expected: string, value: unknown): ErrorSpec {
  const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
  return {
    status: 400,
    message: `Invalid type for '${param}': expected ${expected}, but got ${got} instead.`,
    param,
    code: 'invalid_type',
  };
}
