// One alert scan, run by the `alerts` Schedule every ALERT_SCAN_INTERVAL: find the conditions a
// person must hear about, record them (dedupe, rate limit), send each new one. An alert whose
// send keeps failing stays pending and is tried again by the next scan.
import { log, proxyActivities } from '@temporalio/workflow';
import type { AlertActivities } from '../activities';
import type { AlertScanResult } from '../shared/alerts';

const { scanAlertConditions, recordAlerts } = proxyActivities<AlertActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
});

const { sendAlert } = proxyActivities<AlertActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
});

export async function watchAlerts(): Promise<AlertScanResult> {
  const scan = await scanAlertConditions();
  const plan = await recordAlerts(scan);
  let sent = 0;
  let failed = 0;
  for (const id of plan.send) {
    try {
      if ((await sendAlert({ id })) !== 'not_pending') sent++;
    } catch (err) {
      failed++;
      log.warn('alert not sent; the next scan tries again', { alertId: id, error: (err as Error).message });
    }
  }
  return { ...plan, found: scan.candidates.length, sent, failed, errors: scan.errors };
}
