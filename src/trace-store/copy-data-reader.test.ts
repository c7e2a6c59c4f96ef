// The child's reader of the COPY data pipe: each COPY takes exactly its own bytes, in order,
// whichever arrives first (the rows on the pipe or the request on the IPC channel).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { createCopyDataReader } from './copy-data-reader.js';

const text = (parts: Buffer[]) => Buffer.concat(parts).toString('utf8');

describe('createCopyDataReader', () => {
  it("gives each take exactly its bytes, across and within the pipe's chunks, in order", async () => {
    const pipe = new PassThrough();
    const reader = createCopyDataReader(pipe);
    pipe.write('first rows\nsec');
    pipe.write('ond rows\n');
    assert.equal(text(await reader.take(11)), 'first rows\n');
    assert.equal(text(await reader.take(12)), 'second rows\n');
    assert.deepEqual(await reader.take(0), []);
  });

  it('waits for bytes that have not arrived yet', async () => {
    const pipe = new PassThrough();
    const reader = createCopyDataReader(pipe);
    const taken = reader.take(Buffer.byteLength('é€😀\n'));
    let settled = false;
    void taken.then(() => (settled = true));
    pipe.write(Buffer.from('é€😀\n').subarray(0, 3));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'not before the last byte');
    pipe.write(Buffer.from('é€😀\n').subarray(3));
    assert.equal(text(await taken), 'é€😀\n');
  });

  it('fails a take whose bytes can no longer come (the pipe ended)', async () => {
    const pipe = new PassThrough();
    const reader = createCopyDataReader(pipe);
    pipe.end('half');
    await assert.rejects(reader.take(10), /COPY data pipe closed/);
  });
});
