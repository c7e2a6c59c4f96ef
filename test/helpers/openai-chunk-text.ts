// The text of OpenAI chat.completion.chunk events, laid out as OpenAI sends them, for tests of
// the stream converter and of the text-delta template.

export const chunkHead =
  '{"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini",' +
  '"service_tier":"default","system_fingerprint":"fp_x","choices":[{"index":0,"delta":{"content":';
export const chunkTail = '},"logprobs":null,"finish_reason":null}],"usage":null';

/** A content-only chunk, with OpenAI's `obfuscation` field when one is given. */
export function contentChunk(content: string, obfuscation?: string): string {
  const end = obfuscation === undefined ? '}' : `,"obfuscation":${JSON.stringify(obfuscation)}}`;
  return chunkHead + JSON.stringify(content) + chunkTail + end;
}

/** Strings whose JSON form is more than their quoted text, and a long one. */
export const awkwardStrings = [
  '',
  'plain',
  'quote " backslash \\ slash /',
  'ends with a backslash \\',
  'line\nbreak\ttab\r\u0000\u001f\u007f',
  'é 漢字 🙂 \u2028\u2029',
  '\ud800 lone \udfff surrogates',
  'x'.repeat(3000),
];
