import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { errorCodes } from './error-codes.js';

describe('error codes', () => {
  it('are all documented in docs/errors.md with their status and types, and nothing else is', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| `([a-z_]+)` \| `([a-z_]+)` \|/gm)];
    const documented = new Map(rows.map((row) => [row[1], row.slice(2, 5)]));
    for (const [code, mapping] of Object.entries(errorCodes)) {
      assert.deepEqual(
        documented.get(code),
        [String(mapping.status), mapping.openaiType, mapping.anthropicType],
        `docs/errors.md row for ${code}`,
      );
    }
    assert.deepEqual([...documented.keys()].sort(), Object.keys(errorCodes).sort());
  });

  it('use lowercase snake_case and a 4xx/5xx status', () => {
    for (const [code, mapping] of Object.entries(errorCodes)) {
      assert.match(code, /^[a-z]+(_[a-z]+)*$/);
      assert.ok(mapping.status >= 400 && mapping.status < 600);
    }
  });
});
