// Reads a body stream as UTF-8 text, keeping at most `maxBytes` (the rest is drained and dropped).

export async function readCappedText(
  body: AsyncIterable<Uint8Array>,
  maxBytes = 64 * 1024,
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
