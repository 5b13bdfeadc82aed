// Order activities: the order's own rows (the order, its catalog, its events, its final state).
import { ApplicationFailure, log } from '@temporalio/activity';
import { releasePoolCodes, spendPoolCodes } from '../codes/pool';
import { mappingFields } from '../catalog/sku-mappings';
import type { Db } from '../db/client';
import type { Store } from '../generated/prisma/client';
import { ErrorType, PLACEHOLDER_ORDER_STATUS, type OrderDetails } from '../shared/contract';
import {
  DEFAULT_STORE_SETTINGS,
  type Catalog,
  type SkuMappingView,
  type StoreSettings,
} from '../shared/eligibility';
import type { ActivityDeps } from './deps';
import { countOrder, writeEvents, type EventRow } from './order-rows';

export function createOrderActivities(deps: ActivityDeps) {
  const { db } = deps;

  return {
    async recordOrder(input: {
      workflowId: string;
      storeId: string;
      orderId: string;
      details: OrderDetails;
      /** Read the store's catalog for these lines in the same task (one round trip, not two). */
      withCatalog?: boolean;
    }): Promise<Catalog | undefined> {
      const { details: d } = input;
      const known = await db.store.findUnique({ where: { id: input.storeId } });
      if (!known)
        throw ApplicationFailure.nonRetryable(`unknown store ${input.storeId}`, ErrorType.UnknownStore);
      const existed = await db.order.findUnique({
        where: { workflowId: input.workflowId },
        select: { id: true, status: true },
      });
      if (existed?.status === PLACEHOLDER_ORDER_STATUS) {
        // The payment came first and a review case needed a row: the order fills it in now.
        await db.order.update({
          where: { id: existed.id },
          data: {
            channel: d.channel,
            paymentMethod: d.paymentMethod ?? null,
            currency: d.currency,
            total: d.total,
            customerEmail: d.customerEmail ?? null,
            lines: {
              createMany: {
                data: d.lines.map((l) => ({
                  lineNo: l.lineNo,
                  sku: l.sku,
                  quantity: l.quantity,
                  status: 'pending',
                })),
                skipDuplicates: true,
              },
            },
          },
        });
      }
      await db.order.upsert({
        where: { workflowId: input.workflowId },
        update: { status: 'checking', paidAt: new Date() },
        create: {
          workflowId: input.workflowId,
          storeId: input.storeId,
          externalOrderId: input.orderId,
          status: 'checking',
          channel: d.channel,
          paymentMethod: d.paymentMethod ?? null,
          currency: d.currency,
          total: d.total,
          customerEmail: d.customerEmail ?? null,
          paidAt: new Date(),
          lines: {
            create: d.lines.map((l) => ({
              lineNo: l.lineNo,
              sku: l.sku,
              quantity: l.quantity,
              status: 'pending',
            })),
          },
        },
      });
      if (d.via === 'sweep') {
        // No webhook brought this order: the recovery sweep found it (the event log says so).
        const order = await db.order.findUniqueOrThrow({ where: { workflowId: input.workflowId } });
        await db.fulfillmentEvent.createMany({
          data: [
            {
              orderId: order.id,
              type: 'order.recovered_by_sweep',
              status: 'ok',
              details: { eventId: d.eventId },
              channel: d.channel,
              dedupeKey: `${input.workflowId}/recovered_by_sweep`,
            },
          ],
          skipDuplicates: true,
        });
      }
      if (!existed) {
        await countOrder(
          deps,
          input.storeId,
          d.lines.map((l) => l.sku),
          (m, region) => m.orderStarted(input.storeId, region),
        );
      }
      return input.withCatalog
        ? readCatalog(
            db,
            known,
            d.lines.map((l) => l.sku),
          )
        : undefined;
    },

    async loadCatalog(input: { storeId: string; skus: string[] }): Promise<Catalog> {
      const storeRow = await db.store.findUnique({ where: { id: input.storeId } });
      if (!storeRow)
        throw ApplicationFailure.nonRetryable(`unknown store ${input.storeId}`, ErrorType.UnknownStore);
      return readCatalog(db, storeRow, input.skus);
    },

    async recordEvent(input: EventRow & { workflowId: string }) {
      const { workflowId, ...event } = input;
      await writeEvents(db, workflowId, [event]);
    },

    /** Several event rows at once (what the workflow noted since its last database write). */
    async recordEvents(input: { workflowId: string; events: EventRow[] }) {
      await writeEvents(db, input.workflowId, input.events);
    },

    async recordOrderState(input: { workflowId: string; state: string }) {
      await applyOrderState(deps, input.workflowId, input.state);
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;

/** The store's settings and the active mappings of these SKUs. */
async function readCatalog(db: Db, storeRow: Store, skus: string[]): Promise<Catalog> {
  const rows = await db.skuMapping.findMany({
    where: { storeId: storeRow.id, sku: { in: skus }, active: true },
  });
  const mappings: Record<string, SkuMappingView> = {};
  for (const r of rows) {
    mappings[r.sku] = { sku: r.sku, version: r.version, ...mappingFields(r) };
  }
  const settings: StoreSettings = {
    ...DEFAULT_STORE_SETTINGS,
    ...(storeRow.settings as Partial<StoreSettings>),
  };
  return { settings, mappings };
}

/**
 * An order's state on its row, and what comes with it: pool codes spent or returned, and the
 * outcome metric. Idempotent (the metric counts a change only).
 */
export async function applyOrderState(
  deps: Pick<ActivityDeps, 'db' | 'metrics'>,
  workflowId: string,
  state: string,
): Promise<void> {
  const { db } = deps;
  const before = deps.metrics
    ? await db.order.findUnique({ where: { workflowId }, include: { lines: true } })
    : null;
  await db.order.updateMany({
    where: { workflowId },
    data: { status: state, ...(state === 'delivered' ? { deliveredAt: new Date() } : {}) },
  });
  // Pool codes the order reserved are spent when it is delivered, and go back when it ends without.
  if (state === 'delivered') await spendPoolCodes(db, workflowId);
  else if (['cancelled', 'refunded', 'not_paid'].includes(state)) {
    const released = await releasePoolCodes(db, workflowId);
    if (released) log.info('pool codes returned to the pool', { workflowId, released });
  }
  if (before && before.status !== state) {
    const skus = before.lines.map((l) => l.sku);
    if (state === 'delivered') {
      const ms = before.paidAt ? Date.now() - before.paidAt.getTime() : undefined;
      await countOrder(deps, before.storeId, skus, (m, region) =>
        m.orderDelivered(before.storeId, region, ms),
      );
    } else if (['cancelled', 'refunded', 'not_paid'].includes(state)) {
      await countOrder(deps, before.storeId, skus, (m, region) =>
        m.orderFailed(before.storeId, region, state),
      );
    }
  }
}
