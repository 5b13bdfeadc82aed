// Daily reconciliation, run by the `reconcile-daily` Schedule (or `npm run ops -- reconcile`):
// the supplier's orders of one day against ours. Delivers what a missed webhook left waiting,
// opens review cases for duplicates and amount mismatches, checks the supplier balance, and
// returns a report. Pure orchestration; the matching is src/shared/reconcile.ts.
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReconcileActivities } from '../activities';
import {
  isDay,
  matchDay,
  previousUtcDay,
  workflowIdOf,
  type ReconcileDayInput,
  type ReconcileReport,
} from '../shared/reconcile';

const acts = proxyActivities<ReconcileActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

export async function reconcileDay(input: ReconcileDayInput = {}): Promise<ReconcileReport> {
  // A scheduled run reconciles the UTC day before the one it was scheduled for.
  const date = input.date ?? previousUtcDay(workflowInfo().startTime.getTime());
  if (!isDay(date)) throw new Error(`"${date}" is not a day like 2025-01-31`);

  const supplierOrders = await acts.listSupplierOrders({ date });
  const workflowIds = [
    ...new Set(supplierOrders.map((o) => workflowIdOf(o.clientOrderId)).filter((w): w is string => !!w)),
  ];
  const ours = workflowIds.length ? await acts.loadOurOrders({ workflowIds }) : {};
  const matched = matchDay(supplierOrders, ours);

  const report: ReconcileReport = { date, ...matched, delivered: [], reviewCases: [] };
  for (const finding of matched.findings) {
    if (finding.action === 'deliver' && finding.workflowId) {
      const outcome = await acts.deliverSupplierReport({
        workflowId: finding.workflowId,
        date,
        supplierOrderId: finding.supplierOrderIds[0]!,
      });
      if (outcome === 'signalled') report.delivered.push(finding.workflowId);
    } else if (finding.action === 'review_case') {
      const id = await acts.openReconcileCase({ date, finding });
      if (id) report.reviewCases.push(id);
    }
  }

  report.balance = await acts.reconcileBalance();
  if (report.balance.low) {
    report.findings.push({
      kind: 'low_balance',
      supplierOrderIds: [],
      message: `The supplier balance is ${report.balance.amount} ${report.balance.currency}, under the low-water mark of ${report.balance.lowWater}: top it up before orders start failing.`,
      action: 'report',
    });
  }
  log.info('reconciliation finished', {
    date,
    supplierOrders: report.supplierOrders,
    findings: report.findings.map((f) => f.kind),
    delivered: report.delivered.length,
  });
  return report;
}
