// The recovery sweep's names, shared by the worker, the Schedules and ops tools.

export const SWEEP_WORKFLOW_TYPE = 'sweepStore';

/** One Schedule per store with REST credentials; its runs use the same id (never two at once). */
export function sweepScheduleId(storeId: string): string {
  return `sweep:${storeId}`;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 5 * 60_000;
