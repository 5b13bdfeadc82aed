// The rate limit, pure: which pending alerts go out now, which fold into one summary, which wait.

export interface PendingAlert {
  id: string;
  kind: string;
}

export interface SendPlan {
  send: string[];
  /** Sent as one "N more alerts" message (which takes the last slot of the window). */
  summarise: string[];
  /** Wait for the window to move on. */
  wait: string[];
}

export const SUMMARY_KIND = 'rate_limited';

/**
 * At most `max` messages per window, `sentInWindow` of them already gone. Pending alerts
 * (oldest first) that fit are sent one by one; when more are pending than fit, all but one slot
 * go to the oldest and the rest are folded into a single summary in the last slot. A full
 * window sends nothing. Summaries already made go first and are never folded again.
 */
export function planSends(pending: PendingAlert[], sentInWindow: number, max: number): SendPlan {
  const budget = Math.max(0, max - sentInWindow);
  const ordered = [
    ...pending.filter((p) => p.kind === SUMMARY_KIND),
    ...pending.filter((p) => p.kind !== SUMMARY_KIND),
  ];
  const ids = (list: PendingAlert[]) => list.map((p) => p.id);
  if (ordered.length <= budget) return { send: ids(ordered), summarise: [], wait: [] };
  if (budget === 0) return { send: [], summarise: [], wait: ids(ordered) };
  const alone = ordered.slice(0, budget - 1);
  const rest = ordered.slice(budget - 1);
  const summarise = rest.filter((p) => p.kind !== SUMMARY_KIND);
  const wait = rest.filter((p) => p.kind === SUMMARY_KIND);
  if (summarise.length === 1)
    return { send: [...ids(alone), summarise[0]!.id], summarise: [], wait: ids(wait) };
  return { send: ids(alone), summarise: ids(summarise), wait: ids(wait) };
}
