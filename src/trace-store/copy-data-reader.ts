// The child's side of the COPY data pipe (pglite-client.ts, copyDataFd): the gateway writes each
// COPY's rows there and then sends the `copy` request that names their length in bytes.

/**
 * The COPY data pipe's bytes, taken in order: each `copy` request takes the next `bytes` of it
 * (requests are handled one at a time, so one taker waits at most). The pipe ends with the gateway:
 * a taker still waiting then fails, so that the statement chain moves on to closing the database.
 */
export function createCopyDataReader(stream: NodeJS.ReadableStream): {
  take(bytes: number): Promise<Buffer[]>;
} {
  const chunks: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let taker:
    | { bytes: number; resolve: (parts: Buffer[]) => void; reject: (error: Error) => void }
    | undefined;
  function serve(): void {
    if (!taker) return;
    if (queued >= taker.bytes) {
      const { bytes, resolve } = taker;
      taker = undefined;
      resolve(takeNow(bytes));
    } else if (ended) {
      const { reject } = taker;
      taker = undefined;
      reject(new Error('the COPY data pipe closed before the rows arrived'));
    }
  }
  function takeNow(bytes: number): Buffer[] {
    const parts: Buffer[] = [];
    let left = bytes;
    while (left > 0) {
      const chunk = chunks[0]!;
      if (chunk.length <= left) {
        parts.push(chunk);
        chunks.shift();
        left -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, left));
        chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
    queued -= bytes;
    return parts;
  }
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    queued += chunk.length;
    serve();
  });
  const end = () => {
    ended = true;
    serve();
  };
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  return {
    take(bytes) {
      return new Promise((resolve, reject) => {
        taker = { bytes, resolve, reject };
        serve();
      });
    },
  };
}
