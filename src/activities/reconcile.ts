// Activities of the daily reconciliation (reconcileDay). Codes never leave these activities:
// the workflow sees supplier orders as summaries (how many codes, not which), and a missed
// webhook is delivered by signalling the order's workflow from here, exactly as the API does.
import { Context, log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Prisma } from '../generated/prisma/client';
import {
  statusQuery,
  supplierCallbackSignal,
  type FulfillmentStatus,
  type SupplierOrderReport,
} from '../shared/contract';
import type { Finding, OurOrderView, SupplierOrderSummary } from '../shared/reconcile';
import type { ActivityDeps } from './deps';
import { createSupplierRegistry } from '../suppliers/supplier';
import { supplierCall } from './supplier-call';

export interface ReconcileDeps extends ActivityDeps {
  /** Temporal client for describe/query/signal; default: the worker's own (activity context). */
  temporal?: Client;
}

export function summarize(report: SupplierOrderReport): SupplierOrderSummary {
  return {
    supplierOrderId: report.supplierOrderId,
    clientOrderId: report.clientOrderId,
    state: report.state,
    lines: report.lines.map((l) => ({
      product: l.product,
      quantity: l.quantity,
      codes: l.codes.length,
      failed: l.failed,
    })),
    cost: report.cost,
    costCurrency: report.costCurrency,
    updatedAt: report.updatedAt,
  };
}

export function createReconcileActivities(deps: ReconcileDeps) {
  const { db, supplier } = deps;
  const temporal = () => deps.temporal ?? Context.current().client;
  const registry = deps.suppliers ?? createSupplierRegistry([supplier]);
  /** Every supplier's orders of one day (supplier order ids do not collide across suppliers). */
  const allOrders = async (date: string) =>
    (await Promise.all(registry.names.map((n) => registry.get(n).listOrders(date)))).flat();

  return {
    /** The supplier's orders created on one UTC day, without their codes. */
    async listSupplierOrders(input: { date: string }): Promise<SupplierOrderSummary[]> {
      return (await allOrders(input.date)).map(summarize);
    },

    /** Our side of each order: database row, delivered codes, and the workflow's status. */
    async loadOurOrders(input: { workflowIds: string[] }): Promise<Record<string, OurOrderView>> {
      const views: Record<string, OurOrderView> = {};
      for (const workflowId of input.workflowIds) {
        const order = await db.order.findUnique({
          where: { workflowId },
          include: {
            lines: true,
            codes: { select: { supplierOrderId: true } },
            events: { where: { type: 'reconcile.passed' }, orderBy: { createdAt: 'desc' }, take: 1 },
          },
        });
        let execution = 'none';
        let status: FulfillmentStatus | undefined;
        const handle = temporal().workflow.getHandle(workflowId);
        try {
          execution = (await handle.describe()).status.name.toLowerCase();
          status = await handle.query(statusQuery);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError) && execution === 'none') throw err;
          // A closed run whose query cannot be answered: the database tells the rest.
        }
        const codesBySupplierOrder: Record<string, number> = {};
        for (const c of order?.codes ?? []) {
          const key = c.supplierOrderId ?? '';
          codesBySupplierOrder[key] = (codesBySupplierOrder[key] ?? 0) + 1;
        }
        const accepted = order?.events[0]?.details as { cost?: unknown } | undefined;
        views[workflowId] = {
          workflowId,
          recorded: !!order,
          execution,
          state: status?.state ?? order?.status,
          currency: order?.currency,
          total: order?.total.toFixed(2),
          units: status
            ? status.lines.filter((l) => l.state !== 'ignored').reduce((n, l) => n + l.quantity, 0)
            : (order?.lines ?? []).reduce((n, l) => n + l.quantity, 0),
          codesBySupplierOrder,
          acceptedCost: typeof accepted?.cost === 'string' ? accepted.cost : undefined,
          pendingBatches:
            execution === 'running' && status
              ? status.batches.filter((b) => b.state === 'pending').map((b) => b.clientOrderId)
              : [],
        };
      }
      return views;
    },

    /**
     * Delivers what a missed webhook left waiting: fetches the supplier's report again and
     * signals it to the order's workflow, with an event id that makes re-runs harmless.
     */
    async deliverSupplierReport(input: {
      workflowId: string;
      date: string;
      supplierOrderId: string;
    }): Promise<'signalled' | 'not_running' | 'not_found'> {
      const report = (await allOrders(input.date)).find((o) => o.supplierOrderId === input.supplierOrderId);
      if (!report) return 'not_found';
      try {
        await temporal()
          .workflow.getHandle(input.workflowId)
          .signal(supplierCallbackSignal, {
            eventId: `reconcile:${report.supplierOrderId}:${report.updatedAt}`,
            report,
          });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'not_running';
        throw err;
      }
      log.info('reconciliation delivered a supplier report', {
        workflowId: input.workflowId,
        clientOrderId: report.clientOrderId,
        supplierOrderId: report.supplierOrderId,
        state: report.state,
      });
      return 'signalled';
    },

    /** A review case for a reconciliation finding; one per (day, kind, order). */
    async openReconcileCase(input: { date: string; finding: Finding }): Promise<string | null> {
      const { finding } = input;
      if (!finding.workflowId) return null;
      const order = await db.order.findUnique({ where: { workflowId: finding.workflowId } });
      if (!order) return null;
      const dedupeKey = `reconcile/${input.date}/${finding.kind}/${finding.clientOrderId ?? finding.workflowId}`;
      await db.reviewCase.createMany({
        data: [
          {
            orderId: order.id,
            workflowId: finding.workflowId,
            reasonCode: 'RECONCILE_MISMATCH',
            reason: finding.message,
            dedupeKey,
          },
        ],
        skipDuplicates: true,
      });
      await db.fulfillmentEvent.createMany({
        data: [
          {
            orderId: order.id,
            type: `reconcile.${finding.kind}`,
            status: 'review',
            details: {
              date: input.date,
              supplierOrderIds: finding.supplierOrderIds,
              message: finding.message,
            } as Prisma.InputJsonValue,
            channel: order.channel,
            region: order.region,
            paymentMethod: order.paymentMethod,
            dedupeKey,
          },
        ],
        skipDuplicates: true,
      });
      log.warn('reconciliation opened a review case', {
        workflowId: finding.workflowId,
        orderId: order.externalOrderId,
        kind: finding.kind,
      });
      const row = await db.reviewCase.findUnique({ where: { dedupeKey } });
      return row?.id ?? null;
    },

    /** Supplier balance against the low-water mark (SUPPLIER_LOW_BALANCE). */
    async reconcileBalance(): Promise<{ amount: string; currency: string; lowWater: string; low: boolean }> {
      const balance = await supplierCall(deps.metrics, 'balance', () => supplier.balance());
      const low = Number(balance.amount) < Number(deps.lowBalance);
      deps.metrics?.supplierBalance(Number(balance.amount));
      if (low)
        log.warn('supplier balance under low-water mark', {
          balance: balance.amount,
          lowWater: deps.lowBalance,
        });
      return { ...balance, lowWater: deps.lowBalance, low };
    },
  };
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
