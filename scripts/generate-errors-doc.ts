// Writes docs/errors.md from the error-code table (run after adding a code: npm run docs:errors).
import { writeFileSync } from 'node:fs';
import { errorCodes } from '../src/core/error-codes.js';

const rows = Object.entries(errorCodes)
  .map(
    ([code, mapping]) =>
      `| \`${code}\` | ${mapping.status} | \`${mapping.openaiType}\` | \`${mapping.anthropicType}\` | ${mapping.description} |`,
  )
  .join('\n');

const page = `# Error codes

Every error the gateway returns carries one of these codes. On the OpenAI surface it is
\`error.code\` (with \`error.type\` as below); on the Anthropic surface \`error.type\` is the Anthropic
type below. The list is closed: \`src/core/error-codes.ts\` maps every code (a new code without a
mapping does not compile), this page is generated from it by \`npm run docs:errors\`, and
\`src/core/error-codes.test.ts\` fails when the two disagree.

| code | HTTP status | OpenAI \`type\` | Anthropic \`type\` | meaning |
|---|---|---|---|---|
${rows}

## Headers on errors

- \`x-switchyard-request-id\` on every response: quote it when reporting a problem; the log line of
  the request carries it.
- \`x-should-retry: false\` when retrying cannot help (every deployment failed, a spend cap is
  reached). Both official SDKs obey it before their own retry rules.
- \`retry-after\` on rate-limit refusals, in seconds.

## Upstream client errors

When a provider refuses a request as invalid (400, 404, 422, content policy), the gateway does not
fall back: it returns \`upstream_client_error\` with the provider's own HTTP status and message.

## Errors inside a stream

Once a stream has started (the first byte reached the client) a failure cannot change the status
code. The stream then ends with the surface's in-band error and never with its success marker: on
the OpenAI surface a \`data: {"error":{...}}\` event and no \`data: [DONE]\` (openai-node raises on
it). Before the first byte, a failed stream falls back to the next deployment like any request.
`;

writeFileSync(new URL('../docs/errors.md', import.meta.url), page);
