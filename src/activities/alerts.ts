// Activities of the alert scan (watchAlerts): read the conditions, record them (dedupe, rate
// limit), send one alert. The work is in src/alerts; these only wire it to the worker.
import { Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { configuredAlertChannels, type AlertChannels } from '../alerts/channels';
import { scanConditions } from '../alerts/conditions';
import { recordAlerts } from '../alerts/record';
import { sendAlertRow, type SendOutcome } from '../alerts/send';
import type { Config } from '../config';
import type { Mailer } from '../notify/email';
import type { AlertPlan, AlertScan } from '../shared/alerts';
import { createSupplierRegistry } from '../suppliers/supplier';
import type { ActivityDeps } from './deps';
import { supplierCall } from './supplier-call';

export interface AlertDeps {
  channels: AlertChannels;
  /** API_PUBLIC_URL + /admin: links point at its order and store pages. */
  consoleUrl: string;
  reviewWaitMs: number;
  rateLimit: { max: number; windowMs: number };
  /** How far back failed workflows are listed (default 24 h). */
  failedLookbackMs?: number;
  /** Temporal client; default: the worker's own (activity context). */
  temporal?: Client;
  now?: () => Date;
}

export const DEFAULT_ALERTS: AlertDeps = {
  channels: {},
  consoleUrl: 'http://127.0.0.1:3000/admin',
  reviewWaitMs: 15 * 60_000,
  rateLimit: { max: 10, windowMs: 3_600_000 },
};

/** The worker's alert settings from config (a test may hand in its own mailer). */
export function alertDepsFrom(config: Pick<Config, 'alerts' | 'mail'>, mailer?: Mailer): AlertDeps {
  return {
    channels: configuredAlertChannels(config, mailer),
    consoleUrl: config.alerts.consoleUrl,
    reviewWaitMs: config.alerts.reviewWaitMs,
    rateLimit: config.alerts.rateLimit,
  };
}

export function createAlertActivities(deps: ActivityDeps) {
  const alerts = deps.alerts ?? DEFAULT_ALERTS;
  const registry = deps.suppliers ?? createSupplierRegistry([deps.supplier]);
  const now = alerts.now ?? (() => new Date());

  return {
    /** Every alert condition that holds now (reads only). */
    async scanAlertConditions(): Promise<AlertScan> {
      const scan = await scanConditions({
        db: deps.db,
        suppliers: registry,
        lowBalance: deps.lowBalance,
        reviewWaitMs: alerts.reviewWaitMs,
        failedLookbackMs: alerts.failedLookbackMs ?? 24 * 3_600_000,
        consoleUrl: alerts.consoleUrl,
        temporal: () => alerts.temporal ?? Context.current().client,
        balance: async (name) => {
          const balance = await supplierCall(deps.metrics, 'balance', () => registry.get(name).balance());
          // The balance gauge is the default supplier's (one check a minute, shared by every order).
          if (name === registry.names[0]) deps.metrics?.supplierBalance(Number(balance.amount));
          return balance;
        },
        now,
      });
      if (scan.errors.length)
        log.warn('alert checks failed; the others still count', { errors: scan.errors });
      return scan;
    },

    /** Records what the scan found (one row per condition) and plans the sends within the rate limit. */
    async recordAlerts(scan: AlertScan): Promise<AlertPlan> {
      const plan = await recordAlerts(deps.db, scan, {
        now: now(),
        rateLimit: alerts.rateLimit,
        consoleUrl: alerts.consoleUrl,
      });
      if (plan.waiting) log.warn('alerts held back by the rate limit', { waiting: plan.waiting });
      return plan;
    },

    /** Sends one alert through every configured channel; a retry re-sends only what did not go out. */
    async sendAlert(input: { id: string }): Promise<SendOutcome> {
      const outcome = await sendAlertRow(deps.db, BigInt(input.id), alerts.channels, now);
      if (outcome !== 'not_pending') {
        const row = await deps.db.alert.findUnique({ where: { id: BigInt(input.id) } });
        const fields = { alertId: input.id, kind: row?.kind, subject: row?.subject, link: row?.link };
        if (outcome === 'recorded') log.warn(`alert (no channel configured): ${row?.message}`, fields);
        else log.info('alert sent', fields);
      }
      return outcome;
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
