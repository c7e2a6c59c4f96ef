// The stage type and the runner that composes stages in order, refusing a second next().

import type { RequestContext } from './request-context.js';

export type Next = () => Promise<void>;
export type Stage = (context: RequestContext, next: Next) => Promise<void>;

export function composeStages(
  stages: readonly Stage[],
): (context: RequestContext) => Promise<void> {
  return function run(context) {
    let lastIndex = -1;
    function dispatch(index: number): Promise<void> {
      if (index <= lastIndex) {
        // The caller of next() is the stage just before the index it asks for.
        const name = stages[index - 1]?.name ?? 'unknown';
        return Promise.reject(new Error(`stage ${name} called next() more than once`));
      }
      lastIndex = index;
      const stage = stages[index];
      if (!stage) return Promise.resolve();
      try {
        return stage(context, () => dispatch(index + 1));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return dispatch(0);
  };
}
