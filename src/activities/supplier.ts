// Supplier activities: every call to the supplier an order makes, through supplierCall.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { ErrorType } from '../shared/contract';
import { createSupplierRegistry, type PlaceOrderRequest } from '../suppliers/supplier';
import type { ActivityDeps } from './deps';
import { orderRow, writeEvents, type EventRow } from './order-rows';
import { supplierCall } from './supplier-call';

export function createSupplierActivities(deps: ActivityDeps) {
  const { db } = deps;
  const registry = deps.suppliers ?? createSupplierRegistry([deps.supplier]);
  const supplier = registry.get();

  /** Asks the supplier for the batch first; places it only if the supplier does not have it. */
  async function placeOrFind(
    input: PlaceOrderRequest & {
      workflowId: string;
      supplier?: string;
      maxUnitCost?: Record<string, string>;
    },
  ) {
    const supplier = registry.get(input.supplier);
    const existing = await supplierCall(deps.metrics, 'lookup', () =>
      supplier.findOrder(input.clientOrderId),
    );
    if (existing) {
      log.info('supplier already has this batch; not re-sending', {
        workflowId: input.workflowId,
        clientOrderId: input.clientOrderId,
        attempt: Context.current().info.attempt,
      });
      return existing;
    }
    // Price guard: where the supplier quotes a price, nothing is bought above the maximum.
    for (const line of input.lines) {
      const max = input.maxUnitCost?.[line.product];
      if (!max || !supplier.quote) continue;
      const quote = await supplierCall(deps.metrics, 'quote', () => supplier.quote!(line.product));
      if (quote && Number(quote.unitPrice) > Number(max)) {
        throw ApplicationFailure.nonRetryable(
          `${supplier.name} quotes ${quote.unitPrice} ${quote.currency} for ${line.product}, above the maximum ${max}`,
          ErrorType.PriceAboveMax,
          { supplier: supplier.name, product: line.product, quote: quote.unitPrice, max },
        );
      }
    }
    return supplierCall(deps.metrics, 'order', () =>
      supplier.placeOrder({
        clientOrderId: input.clientOrderId,
        idempotencyKey: input.idempotencyKey,
        lines: input.lines,
      }),
    );
  }

  return {
    /**
     * Places one batch. Whether an earlier attempt (a retry, a worker crash, a workflow reset)
     * already reached the supplier is unknown, so always ask the supplier first and never
     * re-send an order it has: exactly once does not rest on the supplier honouring
     * Idempotency-Key.
     */
    async placeSupplierOrder(
      input: PlaceOrderRequest & {
        workflowId: string;
        /** Which supplier (absent: the first). */
        supplier?: string;
        /** Per product: the most one unit may cost; a higher quote is refused before buying. */
        maxUnitCost?: Record<string, string>;
        /** Event rows written once the batch is placed (or found placed): what led to it, and that it was. */
        events?: EventRow[];
      },
    ) {
      const report = await placeOrFind(input);
      if (input.events?.length) await writeEvents(db, input.workflowId, input.events);
      return report;
    },

    async lookupSupplierOrder(input: { workflowId: string; clientOrderId: string; supplier?: string }) {
      return supplierCall(deps.metrics, 'lookup', () =>
        registry.get(input.supplier).findOrder(input.clientOrderId),
      );
    },

    async checkSupplierBalance(input: { workflowId: string }) {
      const balance = await supplierCall(deps.metrics, 'balance', () => supplier.balance());
      const low = Number(balance.amount) < Number(deps.lowBalance);
      deps.metrics?.supplierBalance(Number(balance.amount));
      if (low) {
        log.warn('supplier balance under low-water mark', {
          workflowId: input.workflowId,
          balance: balance.amount,
          lowWater: deps.lowBalance,
        });
      }
      return { ...balance, low };
    },

    async checkRedemption(input: { workflowId: string }): Promise<{ state: 'used' | 'unused' | 'unknown' }> {
      const order = await orderRow(db, input.workflowId);
      const codes = await db.deliveredCode.findMany({ where: { orderId: order.id } });
      if (codes.some((c) => c.revealedAt)) return { state: 'unknown' };
      if (codes.some((c) => c.supplierOrderId === null)) return { state: 'unknown' }; // by hand or from the pool: nobody can tell
      const supplierOrders = [
        ...new Map(codes.map((c) => [c.supplierOrderId!, c.supplier ?? undefined])).entries(),
      ];
      let all: 'used' | 'unused' | 'unknown' = 'unused';
      for (const [id, name] of supplierOrders) {
        const state = await supplierCall(deps.metrics, 'redemption', () => registry.get(name).redemption(id));
        if (state === 'used') return { state };
        if (state === 'unknown') all = 'unknown';
      }
      return { state: all };
    },
  };
}

export type SupplierActivities = ReturnType<typeof createSupplierActivities>;
