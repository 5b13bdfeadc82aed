// Failed sign-ins per name: after MAX_FAILURES within WINDOW_MS the name is locked for the rest
// of the window (on top of the per-IP limit on POST /login), so guessing one person's password
// from many addresses is slow too. In memory: per API process.
export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60_000;

export function createLoginLimiter(now: () => number = Date.now) {
  const failures = new Map<string, { count: number; since: number }>();
  const key = (name: string) => name.toLowerCase();
  return {
    /** Milliseconds the name stays locked, 0 when it may try. */
    lockedFor(name: string): number {
      const f = failures.get(key(name));
      if (!f) return 0;
      const left = f.since + WINDOW_MS - now();
      if (left <= 0) {
        failures.delete(key(name));
        return 0;
      }
      return f.count >= MAX_FAILURES ? left : 0;
    },
    fail(name: string) {
      const f = failures.get(key(name));
      if (!f || f.since + WINDOW_MS <= now()) failures.set(key(name), { count: 1, since: now() });
      else f.count++;
      if (failures.size > 100_000) failures.clear();
    },
    succeed(name: string) {
      failures.delete(key(name));
    },
  };
}

export function loginLockedMessage(ms: number): string {
  return `Too many failed sign-ins for this name; try again in ${Math.ceil(ms / 60_000)} min.`;
}
