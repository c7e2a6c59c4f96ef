// Closes a provider's undici dispatcher at shutdown, bounded.

import type { Dispatcher } from 'undici';

/**
 * Requests still running get `graceMs` to finish, then the dispatcher is destroyed. By then every
 * client request has ended (the server drained first); what may still run is the background read
 * of a stream body after its last event (read-upstream-stream.ts), which an upstream that never
 * ends its body would otherwise hold for the whole idle timeout.
 */
export async function closeDispatcher(dispatcher: Dispatcher, graceMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = dispatcher.close().then(
    () => true,
    () => true,
  );
  const graceOver = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  const inTime = await Promise.race([closed, graceOver]);
  clearTimeout(timer);
  if (!inTime) await dispatcher.destroy().catch(() => undefined);
}
