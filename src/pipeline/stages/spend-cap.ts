// Stage: daily USD caps. Holds the request's worst-case cost (token estimate × the most expensive
// deployment of its route) on every cap that applies before any upstream call, refuses with the
// cap, the spend so far and the reset time when it would not fit, and settles the real cost after.
// Because the hold covers the dearest deployment, every fallback hop stays within what was checked.

import type { Logger } from 'pino';
import { GatewayError, createUsage, type Deployment } from '../../core/index.js';
import type { AlertDispatcher } from '../../limits/alert-dispatcher.js';
import { formatGoDuration } from '../../limits/format-go-duration.js';
import { publishLimitEvent } from '../../limits/limit-events.js';
import type { SpendCap, SpendGuard, SpendHoldDecision } from '../../limits/spend-guard.js';
import { costOf } from '../../pricing/price-table.js';
import type { RequestContext } from '../request-context.js';
import type { Next, Stage } from '../stage.js';
import { prepareTokenEstimate, tokenEstimateIfShort, tokenEstimateOf } from './rate-limit.js';

export interface SpendCapDeps {
  guard: SpendGuard;
  alerts: AlertDispatcher;
  defaultMaxOutputTokens: number;
  logger?: Logger;
}

const inputMargin = 1.25;

function usd(value: number): string {
  return `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
}

/** The 429 of a refused hold: the cap, the spend so far and when it resets. */
function refusal(
  context: RequestContext,
  decision: Extract<SpendHoldDecision, { type: 'refused' }>,
): GatewayError {
  publishLimitEvent({
    type: 'refused',
    limit: 'cap',
    subject: decision.cap.label,
    requestId: context.requestId,
  });
  const inFlight =
    decision.heldUsd > 0 ? ` (+${usd(decision.heldUsd)} held by requests in flight)` : '';
  return new GatewayError(
    'budget_exceeded',
    `Daily budget of ${decision.cap.label} exceeded: cap ${usd(decision.cap.limitUsd)}, ` +
      `spent ${usd(decision.spentUsd)} so far today${inFlight}; this request may cost up to ` +
      `${usd(decision.requestUsd)}. The cap resets at ${decision.resetAt.toISOString()} ` +
      `(in ${formatGoDuration(decision.resetAt.getTime() - Date.now())}).`,
    {
      // Waiting seconds will not help; both official SDKs would otherwise retry a 429.
      headers: { 'x-should-retry': 'false' },
      details: {
        cap: decision.cap.label,
        limitUsd: decision.cap.limitUsd,
        spentUsd: decision.spentUsd,
        resetAt: decision.resetAt.toISOString(),
      },
    },
  );
}

/** Adds: the spend holds (settled when the request is over) */
export function createSpendCapStage(deps: SpendCapDeps): Stage {
  const warnedUnpriced = new Set<string>();

  function priced(deployment: Deployment, cost: number | null): number {
    if (cost !== null) return cost;
    if (!warnedUnpriced.has(deployment.id) && warnedUnpriced.size < 1_000) {
      warnedUnpriced.add(deployment.id);
      deps.logger?.warn(
        { deployment: deployment.id },
        'no price for this deployment: its calls count $0 against USD caps (set pricing.models or pricing.selfHosted)',
      );
    }
    return 0;
  }

  /** The estimate as usage: input with the tokenizer margin, output at its cap. */
  function estimatedUsage(context: RequestContext) {
    const estimate = tokenEstimateOf(context, deps.defaultMaxOutputTokens);
    return createUsage({
      // Tokenizers differ by vendor (Anthropic's counts run ~20 % above o200k for English text):
      // the hold must not come out low.
      inputNoCache: Math.ceil(estimate.inputTokens * inputMargin),
      outputTotal: estimate.outputTokens,
    });
  }

  function worstCaseUsd(context: RequestContext): number {
    const usage = estimatedUsage(context);
    let worst = 0;
    for (const deployment of context.route?.deployments ?? []) {
      worst = Math.max(worst, priced(deployment, costOf(deployment, usage)));
    }
    return worst;
  }

  function actualUsd(context: RequestContext): number {
    const served = context.served;
    if (!served) return 0;
    // An answer went out without usage (stream cut off): count the estimate, refund nothing.
    return priced(served, costOf(served, context.usage ?? estimatedUsage(context)));
  }

  async function capped(context: RequestContext, next: Next, caps: SpendCap[]): Promise<void> {
    if (tokenEstimateIfShort(context, deps.defaultMaxOutputTokens) === undefined) {
      await prepareTokenEstimate(context, deps.defaultMaxOutputTokens);
    }
    const worstUsd = worstCaseUsd(context);
    let held = caps;
    let heldNanoUsd = 0;
    if (caps.length === 0 || (worstUsd === 0 && !deps.guard.blockZeroCost)) {
      // Zero-cost requests (self-hosted, unpriced) pass a spent cap unless configured otherwise.
      held = [];
    } else {
      const decision = await deps.guard.hold(caps, worstUsd);
      if (decision.type === 'store-failed') {
        if (decision.policy === 'closed') {
          throw new GatewayError(
            'limits_unavailable',
            'Spend caps cannot be checked right now (limit store unavailable), so the request was refused before any cost; retry shortly.',
            { cause: decision.error },
          );
        }
        held = [];
      } else if (decision.type === 'refused') {
        throw refusal(context, decision);
      } else {
        heldNanoUsd = decision.amountNanoUsd;
      }
    }
    try {
      await next();
    } finally {
      const spentUsd = actualUsd(context);
      if (heldNanoUsd > 0 || spentUsd > 0) {
        const alerts = await deps.guard.settle(held.length > 0 ? held : caps, {
          heldNanoUsd,
          actualUsd: spentUsd,
        });
        for (const alert of alerts) deps.alerts.alert(alert);
      }
    }
  }

  // Not an async function: a request no cap applies to (and no global alert counts) goes on
  // without a frame of its own.
  return function spendCap(context, next) {
    const key = context.key;
    const caps = deps.guard.capsFor({
      user: key?.user ?? context.metadata.user,
      keyId: key?.id,
      keyDailyUsd: key?.dailyUsd,
      feature: context.metadata.feature,
    });
    if (caps.length === 0 && !deps.guard.tracksGlobal) return next();
    return capped(context, next, caps);
  };
}
