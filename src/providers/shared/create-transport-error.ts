// A thrown transport error (connect, reset, undici timeouts) or an abort → UpstreamError, the same
// for every provider: an abort carrying an UpstreamError (one of the attempt's own timers) wins.

import { UpstreamError, classifyTransportError } from '../../core/index.js';
import type { UpstreamOrigin } from './send-upstream-request.js';

export function createTransportError(
  error: unknown,
  origin: UpstreamOrigin,
  signal: { readonly aborted: boolean; readonly reason: unknown },
): UpstreamError {
  if (signal.aborted && signal.reason instanceof UpstreamError) return signal.reason;
  const kind = classifyTransportError(error) ?? 'connect';
  const code = (error as { code?: string }).code;
  return new UpstreamError(
    `${origin.provider} request failed (${code ?? (error as Error).name}): ${(error as Error).message}`,
    { ...origin, kind, cause: error },
  );
}
