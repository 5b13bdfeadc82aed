// `ops reconcile [--date YYYY-MM-DD]`: run the daily reconciliation now (default: yesterday, UTC).
import { RECONCILE_WORKFLOW_TYPE, isDay, previousUtcDay, type ReconcileReport } from '../../shared/reconcile';
import { str, UsageError } from '../args';
import type { Command } from '../command';

export const reconcile: Command = {
  name: 'reconcile',
  usage: `  reconcile [--date YYYY-MM-DD]                                    run the daily reconciliation now (default: yesterday, UTC)`,
  options: { date: { type: 'string' } },
  async run(ctx, { values }) {
    const date = str(values.date) ?? previousUtcDay(Date.now());
    if (!isDay(date)) throw new UsageError('--date is a day like 2025-01-31');
    const client = await ctx.client();
    const report = await client.workflow.execute<(input: { date?: string }) => Promise<ReconcileReport>>(
      RECONCILE_WORKFLOW_TYPE,
      {
        workflowId: `reconcile:${date}:ops:${Date.now()}`,
        taskQueue: ctx.config.temporal.taskQueue,
        args: [{ date }],
        workflowExecutionTimeout: '1h',
      },
    );
    const lines = [
      `reconciliation ${report.date}: ${report.supplierOrders} supplier order(s), ${report.matched} matched to ${report.orders} order(s)`,
      ...report.findings.map(
        (f) => `  ${f.kind.padEnd(16)} ${f.workflowId ?? f.clientOrderId ?? ''}  ${f.message}`,
      ),
      `delivered (missed webhooks): ${report.delivered.length ? report.delivered.join(', ') : 'none'}`,
      `review cases: ${report.reviewCases.length}`,
      report.balance
        ? `supplier balance: ${report.balance.amount} ${report.balance.currency} (low-water ${report.balance.lowWater})${report.balance.low ? '  LOW' : ''}`
        : '',
    ].filter(Boolean);
    ctx.out(lines.join('\n'), report);
  },
};
