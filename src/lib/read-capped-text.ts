// Reads a body stream as UTF-8 text, keeping at most `maxBytes` (the rest is drained and dropped).

/** How much of an upstream's error body is kept for its message (the rest is read and dropped). */
export const errorBodyCapBytes = 64 * 1024;

export async function readCappedText(
  body: AsyncIterable<Uint8Array>,
  maxBytes = errorBodyCapBytes,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < maxBytes) {
      const buffer = Buffer.from(chunk);
      chunks.push(buffer.subarray(0, maxBytes - size));
      size += buffer.length;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
