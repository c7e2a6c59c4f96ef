// Decodes and validates an OpenAI Embeddings body.
// Reference: https://platform.openai.com/docs/api-reference/embeddings/create

import { GatewayError, type EmbeddingsRequest } from '../../core/index.js';

const knownFields = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user']);

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => Number.isInteger(item));
}

export function decodeOpenAIEmbeddingsRequest(body: unknown): EmbeddingsRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('', 'The request body must be a JSON object.');
  }
  const record = body as Record<string, unknown>;
  if (record.model === undefined) throw invalid('model', "Missing required parameter: 'model'.");
  if (typeof record.model !== 'string') {
    throw invalid('model', "Invalid type for 'model': expected string.");
  }
  const input = record.input;
  if (input === undefined) throw invalid('input', "Missing required parameter: 'input'.");
  const valid =
    (typeof input === 'string' && input.length > 0) ||
    (Array.isArray(input) &&
      input.length > 0 &&
      (input.every((item) => typeof item === 'string' && item.length > 0) ||
        isTokenArray(input) ||
        input.every(isTokenArray)));
  if (!valid) {
    throw invalid(
      'input',
      "Invalid value for 'input': expected a non-empty string, array of non-empty strings, or token arrays.",
    );
  }
  const request: EmbeddingsRequest = {
    model: record.model,
    input: input as EmbeddingsRequest['input'],
    extra: {},
  };
  if (record.encoding_format !== undefined) {
    if (record.encoding_format !== 'float' && record.encoding_format !== 'base64') {
      throw invalid(
        'encoding_format',
        "Invalid value for 'encoding_format': expected 'float' or 'base64'.",
      );
    }
    request.encodingFormat = record.encoding_format;
  }
  if (record.dimensions !== undefined) {
    if (!Number.isInteger(record.dimensions) || (record.dimensions as number) < 1) {
      throw invalid('dimensions', "Invalid value for 'dimensions': expected a positive integer.");
    }
    request.dimensions = record.dimensions as number;
  }
  if (typeof record.user === 'string') request.user = record.user;
  for (const key of Object.keys(record)) {
    if (!knownFields.has(key)) request.extra[key] = record[key];
  }
  return request;
}
