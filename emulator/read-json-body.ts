// Reads a request body and parses it as JSON without throwing.
import type { IncomingMessage } from 'node:http';

export interface JsonBody {
  /** Parsed value; undefined for an empty body. */
  value: unknown;
  /** True when the body was not empty and not JSON. */
  invalid: boolean;
  /** The bytes as received (Bedrock signature checks hash them). */
  raw: Buffer;
}

export function readJsonBody(request: IncomingMessage): Promise<JsonBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const finish = (): void => {
      if (chunks.length === 0) {
        return resolve({ value: undefined, invalid: false, raw: Buffer.alloc(0) });
      }
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const text = raw.toString('utf8');
      try {
        resolve({ value: JSON.parse(text), invalid: false, raw });
      } catch {
        resolve({ value: undefined, invalid: true, raw });
      }
    };
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', finish);
    // A client that leaves mid-body: settle with what arrived (the response is closed anyway).
    request.on('close', finish);
    request.on('error', finish);
  });
}
