// `ops schedule`: create or update the nightly reconcile Schedule, the stores' sweep Schedules and
// the alert scan.
import type { Command } from '../command';
import {
  ensureAlertSchedule,
  ensureReconcileSchedule,
  ensureSweepSchedules,
  sweepableStores,
} from '../schedule';

export const schedule: Command = {
  name: 'schedule',
  usage: `  schedule                                                         create or update the Schedules (reconcile, sweeps, alerts)`,
  async run(ctx) {
    const client = await ctx.client();
    const taskQueue = ctx.config.temporal.taskQueue;
    const res = await ensureReconcileSchedule(client, { taskQueue });
    const stores = await sweepableStores(
      ctx.db(),
      ctx.config.storefronts.credentials,
      ctx.config.storefronts.sweepIntervalMs,
    );
    const sweeps = await ensureSweepSchedules(client, { taskQueue, stores });
    const alerts = await ensureAlertSchedule(client, {
      taskQueue,
      intervalMs: ctx.config.alerts.scanIntervalMs,
    });
    ctx.out(
      [
        `schedule ${res.scheduleId} ${res.created ? 'created' : 'updated'}: reconcileDay daily at 02:00 UTC on ${taskQueue}.`,
        ...sweeps.map(
          (s, i) =>
            `schedule ${s.scheduleId} ${s.created ? 'created' : 'updated'}: sweepStore every ${Math.round(stores[i]!.intervalMs / 1000)}s on ${taskQueue}.`,
        ),
        stores.length ? '' : 'no store has storefront REST credentials: no recovery sweep scheduled.',
        `schedule ${alerts.scheduleId} ${alerts.created ? 'created' : 'updated'}: watchAlerts every ${Math.round(ctx.config.alerts.scanIntervalMs / 1000)}s on ${taskQueue}.`,
      ]
        .filter(Boolean)
        .join('\n'),
      { ...res, sweeps, alerts },
    );
  },
};
