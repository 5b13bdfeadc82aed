// Heartbeats for an activity scheduled with a heartbeat timeout, while its work runs: a worker
// that dies mid-call is then noticed after that timeout (seconds), not after the start-to-close
// timeout (up to 90 s for a notice), and another worker retries it sooner. A call that is merely
// slow keeps heartbeating and is never retried while it may still succeed. The first heartbeat
// goes out a third of the timeout in, so a quick call sends none.
import { Context } from '@temporalio/activity';

export async function keepAlive<T>(work: () => Promise<T>): Promise<T> {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return work(); // called outside a worker (a script, a unit test)
  }
  const timeoutMs = ctx.info.heartbeatTimeoutMs;
  if (!timeoutMs) return work();
  const timer = setInterval(() => ctx.heartbeat(), timeoutMs / 3);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The same activities, each running inside keepAlive. */
export function keptAlive<A extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: A,
): A {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      (...args: never[]) => keepAlive(() => fn(...args)),
    ]),
  ) as A;
}
