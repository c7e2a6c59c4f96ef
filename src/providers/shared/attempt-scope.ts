// The timers of one provider attempt: total timeout on the scope, and the first-event timer that
// streams arm before sending (so it covers a hang before the headers as well as after them).

import { UpstreamError, type ProviderCall } from '../../core/index.js';
import { createAbortScope, type AbortScope } from '../../lib/abort-scope.js';

/** An abort scope for one attempt, aborted with a `timeout` UpstreamError after `totalMs`. */
export function openAttemptScope(call: ProviderCall<unknown>, providerName: string): AbortScope {
  const scope = createAbortScope(call.signal);
  scope.setTimer(
    call.timeouts.totalMs,
    () =>
      new UpstreamError(`${providerName} did not finish within ${call.timeouts.totalMs} ms`, {
        provider: providerName,
        deployment: call.deployment.id,
        kind: 'timeout',
      }),
  );
  return scope;
}

/** Arms the time-to-first-event timer; returns its cancel function (called by the first event). */
export function armFirstEventTimer(
  call: ProviderCall<unknown>,
  scope: AbortScope,
  providerName: string,
): () => void {
  return scope.setTimer(
    call.timeouts.firstByteMs,
    () =>
      new UpstreamError(
        `${providerName} sent no stream event within ${call.timeouts.firstByteMs} ms`,
        { provider: providerName, deployment: call.deployment.id, kind: 'ttft_timeout' },
      ),
  );
}
