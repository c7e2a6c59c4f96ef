import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { anchoredTimerDurations, createAbortScope } from './abort-scope.js';

describe('abort scope', () => {
  it('follows its parent: aborted with the parent reason, also when created after it', () => {
    const parent = new AbortController();
    const scope = createAbortScope(parent.signal);
    assert.equal(scope.signal.aborted, false);
    parent.abort(new Error('client left'));
    assert.equal(scope.signal.aborted, true);
    assert.equal((scope.signal.reason as Error).message, 'client left');
    const late = createAbortScope(parent.signal);
    assert.equal((late.signal.reason as Error).message, 'client left');
  });

  it('a timer aborts with its reason; a cancelled one does not', async () => {
    const scope = createAbortScope(new AbortController().signal);
    const cancel = scope.setTimer(5, () => new Error('first'));
    cancel();
    scope.setTimer(10, () => new Error('total'));
    await sleep(30);
    assert.equal((scope.signal.reason as Error).message, 'total');
  });

  it('an idle timer is re-armed by touch and fires after the silence', async () => {
    const scope = createAbortScope(new AbortController().signal);
    const idle = scope.setIdleTimer(40, () => new Error('idle'));
    for (let index = 0; index < 4; index += 1) {
      await sleep(15);
      idle.touch();
    }
    assert.equal(scope.signal.aborted, false, 'touched every 15 ms: still alive after 60 ms');
    await sleep(80);
    assert.equal((scope.signal.reason as Error).message, 'idle');
  });

  it('dispose cancels the timers and detaches from the parent, twice without harm', async () => {
    const parent = new AbortController();
    const scope = createAbortScope(parent.signal);
    scope.setTimer(5, () => new Error('total'));
    scope.setIdleTimer(5, () => new Error('idle')).touch();
    scope.dispose();
    scope.dispose();
    parent.abort(new Error('later'));
    await sleep(20);
    assert.equal(scope.signal.aborted, false);
  });

  it('the first reason wins', () => {
    const scope = createAbortScope(new AbortController().signal);
    scope.abort(new Error('one'));
    scope.abort(new Error('two'));
    assert.equal((scope.signal.reason as Error).message, 'one');
  });

  it('tells its listeners once, as the EventEmitter-style signal undici takes', () => {
    const parent = new AbortController();
    const scope = createAbortScope(parent.signal);
    const heard: string[] = [];
    const kept = () => heard.push('kept');
    const removed = () => heard.push('removed');
    scope.signal.once('abort', kept);
    scope.signal.once('abort', removed);
    scope.signal.removeListener('abort', removed);
    parent.abort(new Error('client left'));
    scope.abort(new Error('again'));
    assert.deepEqual(heard, ['kept']);
    assert.equal(scope.signal.aborted, true);
    assert.equal((scope.signal.reason as Error).message, 'client left');
  });

  it('anchors the timer list of each duration of a second or more once, and its timers still fire', async () => {
    const before = anchoredTimerDurations();
    const parent = new AbortController().signal;
    for (let index = 0; index < 3; index += 1) {
      const scope = createAbortScope(parent);
      scope.setTimer(987_654, () => new Error('total'));
      scope.setIdleTimer(987_654, () => new Error('idle'));
      scope.dispose();
    }
    assert.equal(anchoredTimerDurations(), before + 1, 'one anchor for one duration');
    createAbortScope(parent).setTimer(999, () => new Error('short')); // under a second: none
    assert.equal(anchoredTimerDurations(), before + 1);

    const scope = createAbortScope(parent);
    scope.setTimer(1_000, () => new Error('after a second'));
    assert.equal(anchoredTimerDurations(), before + 2);
    await sleep(1_100);
    assert.equal((scope.signal.reason as Error | undefined)?.message, 'after a second');
  });
});
