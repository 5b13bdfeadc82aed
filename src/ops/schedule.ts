// The Schedules: nightly reconciliation, each store's recovery sweep, and the alert scan.
// Created or updated idempotently by `npm start` and by `npm run ops -- schedule` (run it once
// per deployment, e.g. as a release step).
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import { RECONCILE_SCHEDULE_ID, RECONCILE_WORKFLOW_TYPE } from '../shared/reconcile';
import { ALERT_SCHEDULE_ID, ALERT_WORKFLOW_TYPE } from '../shared/alerts';
import { DEFAULT_SWEEP_INTERVAL_MS, SWEEP_WORKFLOW_TYPE, sweepScheduleId } from '../shared/sweep';

/** Creates the Schedule, or brings an existing one to this definition (spec, action, policies). */
async function createOrUpdateSchedule(
  client: Client,
  options: ScheduleOptions,
): Promise<{ scheduleId: string; created: boolean }> {
  try {
    await client.schedule.create(options);
    return { scheduleId: options.scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(options.scheduleId).update((previous) => ({
    ...previous,
    spec: options.spec,
    action: options.action,
    policies: { ...previous.policies, ...options.policies },
  }));
  return { scheduleId: options.scheduleId, created: false };
}

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
  return createOrUpdateSchedule(client, scheduleOptions(opts));
}

export interface SweepScheduleOptions {
  taskQueue: string;
  stores: { storeId: string; intervalMs: number }[];
}

/**
 * One `sweep:<store>` Schedule per store with storefront REST credentials, created or brought
 * to this definition. A sweep still running when the next is due is skipped, not piled up.
 */
export async function ensureSweepSchedules(
  client: Client,
  opts: SweepScheduleOptions,
): Promise<{ scheduleId: string; created: boolean }[]> {
  const out: { scheduleId: string; created: boolean }[] = [];
  for (const { storeId, intervalMs } of opts.stores) {
    const options: ScheduleOptions = {
      scheduleId: sweepScheduleId(storeId),
      spec: { intervals: [{ every: intervalMs }] },
      action: {
        type: 'startWorkflow',
        workflowType: SWEEP_WORKFLOW_TYPE,
        args: [{ storeId }],
        taskQueue: opts.taskQueue,
        workflowId: sweepScheduleId(storeId),
        workflowExecutionTimeout: '30m',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m', pauseOnFailure: false },
      memo: { purpose: `cardbridge recovery sweep of store ${storeId} (src/workflows/sweep-store.ts)` },
    };
    out.push(await createOrUpdateSchedule(client, options));
  }
  return out;
}

/** Stores the sweep can read: WooCommerce REST credentials and/or a Pocketsflow API key in config. */
export async function sweepableStores(
  db: Db,
  credentials: Config['storefronts']['credentials'],
  defaultIntervalMs = DEFAULT_SWEEP_INTERVAL_MS,
): Promise<{ storeId: string; intervalMs: number }[]> {
  const stores = await db.store.findMany({ orderBy: { id: 'asc' } });
  return stores
    .filter((s) => {
      const woo =
        s.storefrontUrl && s.credentialsRef && credentials[s.credentialsRef]?.kind === 'woocommerce';
      const ref = (s.settings as { pocketsflowCredentialsRef?: unknown } | null)?.pocketsflowCredentialsRef;
      return woo || (typeof ref === 'string' && credentials[ref]?.kind === 'pocketsflow');
    })
    .map((s) => {
      const seconds = (s.settings as { sweepIntervalSeconds?: unknown } | null)?.sweepIntervalSeconds;
      return {
        storeId: s.id,
        intervalMs: typeof seconds === 'number' && seconds >= 10 ? seconds * 1000 : defaultIntervalMs,
      };
    });
}

/**
 * The `alerts` Schedule: one watchAlerts scan every interval (ALERT_SCAN_INTERVAL), created or
 * brought to this definition. A scan still running when the next is due is skipped.
 */
export async function ensureAlertSchedule(
  client: Client,
  opts: { taskQueue: string; intervalMs: number },
): Promise<{ scheduleId: string; created: boolean }> {
  const options: ScheduleOptions = {
    scheduleId: ALERT_SCHEDULE_ID,
    spec: { intervals: [{ every: opts.intervalMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: ALERT_WORKFLOW_TYPE,
      args: [],
      taskQueue: opts.taskQueue,
      workflowId: ALERT_SCHEDULE_ID,
      workflowExecutionTimeout: '15m',
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '5m', pauseOnFailure: false },
    memo: { purpose: 'cardbridge alerts for a person (src/workflows/watch-alerts.ts)' },
  };
  return createOrUpdateSchedule(client, options);
}
