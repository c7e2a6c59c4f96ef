// The request log's destination flushes a line within its window of being written, with one timer
// per window rather than sonic-boom's periodic flush: an idle logger wakes nothing, and a closed
// destination is never flushed.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { flushAfterWrites, type FlushableDestination } from './create-logger.js';

function countingDestination(): FlushableDestination & { flushes: number; writes: string[] } {
  return {
    flushes: 0,
    writes: [],
    destroyed: false,
    write(text: string) {
      this.writes.push(text);
      return true;
    },
    flush() {
      this.flushes += 1;
    },
    end() {},
  };
}

describe('flushAfterWrites', () => {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-logger-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('gets a short line to the file within the window, without waiting for a full buffer', async () => {
    const file = join(directory, 'out.log');
    const destination = flushAfterWrites(
      pino.destination({ dest: file, sync: false, minLength: 16 * 1024, maxWrite: 64 * 1024 }),
      30,
    );
    const logger = pino({ base: null }, destination);
    await once(destination, 'ready');
    logger.info('first line');
    assert.equal(readFileSync(file, 'utf8'), '', 'held in the 16 KB buffer at first');
    let text = '';
    for (let tries = 0; tries < 100 && !text.includes('first line'); tries += 1) {
      await sleep(10);
      text = readFileSync(file, 'utf8');
    }
    assert.match(text, /"msg":"first line"/);
    destination.end();
  });

  it('flushes once per window of writes, and not at all while nothing is written', async () => {
    const destination = flushAfterWrites(countingDestination(), 20);
    await sleep(80);
    assert.equal(destination.flushes, 0, 'idle: no flush');
    destination.write('a\n');
    destination.write('b\n');
    destination.write('c\n');
    await sleep(60);
    assert.equal(destination.flushes, 1, 'one flush for the three writes');
    assert.deepEqual(destination.writes, ['a\n', 'b\n', 'c\n']);
    await sleep(80);
    assert.equal(destination.flushes, 1, 'idle again: no more flushes');
    destination.write('d\n');
    await sleep(60);
    assert.equal(destination.flushes, 2, 'the next write arms the next flush');
  });

  it('comes back while a write is in flight or lines are held, and stops once all is out', async () => {
    // sonic-boom's state: a flush while a write is in flight does nothing; the flush hands over
    // what is held (here: at once).
    const destination = {
      ...countingDestination(),
      _writing: true,
      _len: 0,
      write(text: string) {
        this.writes.push(text);
        this._len += text.length;
        return true;
      },
      flush() {
        this.flushes += 1;
        this._len = 0;
      },
    };
    flushAfterWrites(destination, 20);
    destination.write('a\n');
    await sleep(50);
    assert.equal(destination.flushes, 0, 'not flushed while the write is in flight');
    destination._writing = false;
    await sleep(50);
    assert.equal(destination.flushes, 1, 'flushed once the write is over');
    await sleep(80);
    assert.equal(destination.flushes, 1, 'nothing held: the timer stopped');
  });

  it('does not flush a destination that was ended or destroyed', async () => {
    const ended = flushAfterWrites(countingDestination(), 20);
    ended.write('a\n');
    ended.end();
    const destroyed = flushAfterWrites({ ...countingDestination(), destroyed: true }, 20);
    destroyed.write('a\n');
    await sleep(60);
    assert.equal(ended.flushes, 0);
    assert.equal(destroyed.flushes, 0);
  });
});
