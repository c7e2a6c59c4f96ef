import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { numberOption, parseBenchArgs } from './parse-bench-args.js';

describe('bench tools’ command lines', () => {
  it('parse their options, defaults included', () => {
    const values = parseBenchArgs(
      { seconds: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } },
      'usage',
      ['--json'],
    );
    assert.deepEqual({ ...values }, { seconds: '10', json: true });
    assert.equal(numberOption('seconds', '2.5', 'usage'), 2.5);
  });

  for (const tool of ['host/run-host-stall-probe', 'stages/run-stage-costs']) {
    it(`${tool}: an unknown option or a bad number exits 2 with the usage; --help exits 0`, () => {
      const run = (...args: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', `bench/${tool}.ts`, ...args], {
          encoding: 'utf8',
          timeout: 30_000,
        });
      const unknown = run('--bogus');
      assert.equal(unknown.status, 2);
      assert.match(unknown.stderr, /Unknown option '--bogus'\nusage: npm run bench:/);
      const badNumber = run('--seconds', 'soon');
      assert.equal(badNumber.status, 2);
      assert.match(badNumber.stderr, /--seconds: expected a non-negative number, got "soon"/);
      const help = run('--help');
      assert.equal(help.status, 0);
      assert.match(help.stdout, /^usage: npm run bench:/);
    });
  }
});
