// The nightly reconciliation Schedule. Created or updated idempotently by `npm start` and by
// `npm run ops -- schedule` (run it once per deployment, e.g. as a release step).
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import { RECONCILE_SCHEDULE_ID, RECONCILE_WORKFLOW_TYPE } from '../shared/reconcile';

export interface ReconcileScheduleOptions {
  taskQueue: string;
  /** UTC hour and minute of the run (default 02:00 UTC). */
  hour?: number;
  minute?: number;
  scheduleId?: string;
}

function scheduleOptions(opts: ReconcileScheduleOptions): ScheduleOptions {
  return {
    scheduleId: opts.scheduleId ?? RECONCILE_SCHEDULE_ID,
    spec: {
      calendars: [{ hour: opts.hour ?? 2, minute: opts.minute ?? 0, comment: 'daily, UTC' }],
      timezone: 'UTC',
    },
    action: {
      type: 'startWorkflow',
      workflowType: RECONCILE_WORKFLOW_TYPE,
      // No date: each run reconciles the UTC day before it.
      args: [{}],
      taskQueue: opts.taskQueue,
      workflowId: 'reconcile-daily',
      workflowExecutionTimeout: '6h',
    },
    policies: {
      // A run still going when the next is due means something is wrong; don't pile up.
      overlap: ScheduleOverlapPolicy.SKIP,
      // After an outage, run the missed night once (within a day), not every missed one.
      catchupWindow: '1 day',
      pauseOnFailure: false,
    },
    memo: { purpose: 'cardbridge daily supplier reconciliation (src/workflows/reconcile-day.ts)' },
  };
}

/** Creates the Schedule, or brings an existing one to this definition. */
export async function ensureReconcileSchedule(
  client: Client,
  opts: ReconcileScheduleOptions,
): Promise<{ scheduleId: string; created: boolean }> {
  const options = scheduleOptions(opts);
  try {
    await client.schedule.create(options);
    return { scheduleId: options.scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(options.scheduleId);
  await handle.update((previous) => ({
    ...previous,
    spec: options.spec,
    action: options.action,
    policies: { ...previous.policies, ...options.policies },
  }));
  return { scheduleId: options.scheduleId, created: false };
}
