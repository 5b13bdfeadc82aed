// The alert scan's checks, each a read: review cases open too long (database), each supplier's
// balance against SUPPLIER_LOW_BALANCE, the storefront webhook health the recovery sweep
// records, and fulfilment workflows that failed or timed out (Temporal visibility). A check that
// fails is reported and skipped; the others still count.
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { failedSinceQuery } from '../ops/queries';
import type { AlertCandidate, AlertScan } from '../shared/alerts';
import type { SupplierRegistry } from '../suppliers/supplier';

export interface ConditionDeps {
  db: Db;
  suppliers: SupplierRegistry;
  /** Decimal string: a balance under it is low. */
  lowBalance: string;
  /** A review case open longer than this is an alert. */
  reviewWaitMs: number;
  /** How far back failed workflows are listed (dedupe makes the overlap harmless). */
  failedLookbackMs: number;
  /** e.g. https://cardbridge.example.com/admin */
  consoleUrl: string;
  temporal(): Client;
  balance(name: string): Promise<{ amount: string; currency: string }>;
  now(): Date;
}

export const orderLink = (consoleUrl: string, workflowId: string) =>
  `${consoleUrl}/orders/${encodeURIComponent(workflowId)}`;

function age(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}

/** fulfill:<store>:<order> -> "<store>:<order>"; anything else as it is. */
function orderName(workflowId: string): string {
  return workflowId.replace(/^fulfill:/, '');
}

export async function scanConditions(deps: ConditionDeps): Promise<AlertScan> {
  const scan: AlertScan = { candidates: [], checked: [], errors: [] };
  const now = deps.now();
  const check = async (scope: string, fn: () => Promise<AlertCandidate[]>) => {
    try {
      scan.candidates.push(...(await fn()));
      scan.checked.push(scope);
    } catch (err) {
      scan.errors.push(`${scope}: ${(err as Error).message}`.slice(0, 300));
    }
  };

  await check('review_waiting', async () => {
    const cases = await deps.db.reviewCase.findMany({
      where: { status: 'open', createdAt: { lt: new Date(now.getTime() - deps.reviewWaitMs) } },
      include: { order: { select: { storeId: true, externalOrderId: true } } },
      orderBy: { createdAt: 'asc' },
      take: 500,
    });
    return cases.map((c) => ({
      kind: 'review_waiting' as const,
      subject: c.id,
      message:
        `Order ${c.order.storeId}:${c.order.externalOrderId} has waited ${age(now.getTime() - c.createdAt.getTime())} ` +
        `for a review decision (${c.reasonCode}: ${c.reason}).`,
      link: orderLink(deps.consoleUrl, c.workflowId),
    }));
  });

  for (const name of deps.suppliers.names) {
    await check(`low_balance:${name}`, async () => {
      const balance = await deps.balance(name);
      if (!(Number(balance.amount) < Number(deps.lowBalance))) return [];
      return [
        {
          kind: 'low_balance' as const,
          subject: name,
          message:
            `Supplier ${name} balance is ${balance.amount} ${balance.currency}, under the low-water mark ` +
            `${deps.lowBalance} (SUPPLIER_LOW_BALANCE). Top it up before orders start failing.`,
          link: deps.consoleUrl,
        },
      ];
    });
  }

  await check('webhook_disabled', async () => {
    const sweeps = await deps.db.storefrontSweep.findMany({
      where: { webhookStatus: { not: 'active' } },
      orderBy: { storeId: 'asc' },
    });
    return sweeps
      .filter((s) => s.webhookStatus)
      .map((s) => ({
        kind: 'webhook_disabled' as const,
        subject: s.storeId,
        message:
          `Store ${s.storeId}: its WooCommerce webhook to cardbridge is ${s.webhookStatus}; orders arrive only ` +
          `through the recovery sweep. Re-activate it: WooCommerce → Settings → Advanced → Webhooks → Status "Active".`,
        link: `${deps.consoleUrl}/stores/${encodeURIComponent(s.storeId)}`,
      }));
  });

  // Events, not states: a failed run is never "cleared", so this check lists no scope.
  try {
    const since = new Date(now.getTime() - deps.failedLookbackMs);
    for await (const wf of deps.temporal().workflow.list({ query: failedSinceQuery(since) })) {
      const status = wf.status.name === 'TIMED_OUT' ? 'timed out' : 'failed';
      scan.candidates.push({
        kind: 'workflow_failed',
        subject: `${wf.workflowId}/${wf.runId}`,
        message:
          `Order ${orderName(wf.workflowId)}: its fulfilment workflow ${status}` +
          `${wf.closeTime ? ` at ${wf.closeTime.toISOString()}` : ''} (run ${wf.runId}). ` +
          `Look at it, then retry it with npm run ops -- replay ${wf.workflowId} --by <you>.`,
        link: orderLink(deps.consoleUrl, wf.workflowId),
      });
      if (scan.candidates.length > 1000) break;
    }
  } catch (err) {
    scan.errors.push(`workflow_failed: ${(err as Error).message}`.slice(0, 300));
  }
  return scan;
}
