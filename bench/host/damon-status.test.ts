import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeDamon, readDamonStatus } from './damon-status.js';

const root = mkdtempSync(join(tmpdir(), 'damon-sysfs-'));
after(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), `${text}\n`);
}

describe('readDamonStatus', () => {
  it("reads a running kdamond's address space, sampling interval and actions", () => {
    // The layout of the bench host's /sys/kernel/mm/damon/admin/kdamonds (Linux 6.18).
    write('kdamonds/nr_kdamonds', '2');
    write('kdamonds/0/state', 'on');
    write('kdamonds/0/contexts/0/operations', 'paddr');
    write('kdamonds/0/contexts/0/monitoring_attrs/intervals/sample_us', '500000');
    write('kdamonds/0/contexts/0/monitoring_attrs/intervals/aggr_us', '5000000');
    write('kdamonds/0/contexts/0/schemes/nr_schemes', '1');
    write('kdamonds/0/contexts/0/schemes/0/action', 'pageout');
    write('kdamonds/1/state', 'off');
    const status = readDamonStatus(join(root, 'kdamonds'));
    assert.deepEqual(status, {
      running: 1,
      contexts: [
        { operations: 'paddr', sampleUs: 500_000, aggregateUs: 5_000_000, actions: ['pageout'] },
      ],
    });
    assert.equal(describeDamon(status), 'DAMON on: paddr every 500 ms (pageout)');
  });

  it('is undefined without the sysfs interface, and says nothing when no kdamond runs', () => {
    assert.equal(readDamonStatus(join(root, 'missing')), undefined);
    assert.equal(describeDamon({ running: 0, contexts: [] }), '');
    assert.equal(describeDamon(undefined), '');
  });
});
