// The alert scan's names and wire types, shared by the worker, its Schedule and ops tools.

export const ALERT_WORKFLOW_TYPE = 'watchAlerts';

/** One Schedule; its runs use the same id (never two scans at once). */
export const ALERT_SCHEDULE_ID = 'alerts';

export const DEFAULT_ALERT_SCAN_INTERVAL_MS = 60_000;

export type AlertKind = 'review_waiting' | 'low_balance' | 'webhook_disabled' | 'workflow_failed';

/** A condition a scan found; its dedupe key is `<kind>:<subject>`. */
export interface AlertCandidate {
  kind: AlertKind;
  /** What it is about: a review case id, a supplier name, a store id, a workflow id/run id. */
  subject: string;
  message: string;
  /** The console page to open (absolute URL). */
  link: string;
}

export interface AlertScan {
  candidates: AlertCandidate[];
  /**
   * Kinds (or single dedupe keys) whose check ran: an open alert listed here but no longer a
   * candidate has cleared. A check that failed is absent, so its alerts stay as they are.
   */
  checked: string[];
  /** Checks that failed this time (their message, no secret). */
  errors: string[];
}

export interface AlertPlan {
  /** Alert ids (decimal strings) to send now, summaries first. */
  send: string[];
  opened: number;
  resolved: number;
  /** Folded into a rate_limited summary instead of being sent one by one. */
  summarised: number;
  /** Left pending: the rate limit's window is full. */
  waiting: number;
}

export interface AlertScanResult extends AlertPlan {
  found: number;
  sent: number;
  failed: number;
  errors: string[];
}

export function alertDedupeKey(c: Pick<AlertCandidate, 'kind' | 'subject'>): string {
  return `${c.kind}:${c.subject}`;
}
