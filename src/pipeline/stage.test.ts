import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestContext } from './request-context.js';
import { composeStages, type Stage } from './stage.js';

const context = {} as RequestContext;

describe('composeStages', () => {
  it('runs stages in order, each around the rest', async () => {
    const order: string[] = [];
    const outer: Stage = async function outer(_context, next) {
      order.push('outer:before');
      await next();
      order.push('outer:after');
    };
    const inner: Stage = async function inner() {
      order.push('inner');
    };
    await composeStages([outer, inner])(context);
    assert.deepEqual(order, ['outer:before', 'inner', 'outer:after']);
  });

  it('refuses a second next() and names the stage', async () => {
    const twice: Stage = async function twice(_context, next) {
      await next();
      await next();
    };
    await assert.rejects(
      composeStages([twice])(context),
      /stage twice called next\(\) more than once/,
    );
  });

  it('turns a synchronous throw into a rejection', async () => {
    const throwing = function throwing(): Promise<void> {
      throw new Error('boom');
    };
    await assert.rejects(composeStages([throwing])(context), /boom/);
  });
});
