// The recovery sweep of one store. WooCommerce delivers each webhook once and never re-sends
// it, so what its REST API says changed since the last sweep goes through the same path as a
// webhook (parse, then signal-with-start on the order's one workflow). Duplicates collapse in
// the workflow exactly as re-sent webhooks do; a webhook that was lost costs one interval.
import { Context, log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createGateway, type Gateway } from '../api/gateway';
import { createLatePayments } from '../api/late-payments';
import { deliverPocketsflowPayment, pocketsflowEventId } from '../api/pocketsflow-payment';
import { createReceipts } from '../api/receipts';
import type { Db } from '../db/client';
import type { Metrics } from '../observability/metrics';
import { fulfillmentWorkflowId, ORDER_ID, type FulfillmentTimeouts } from '../shared/contract';
import type { PocketsflowClient } from '../gateways/pocketsflow';
import {
  opensWorkflow,
  parseWooOrder,
  settleLaterMethodsOf,
  WooOrderUnreadableError,
} from '../storefront/woocommerce-order';
import type { WooCommerceClient } from '../storefront/woocommerce';

export interface SweepDeps {
  db: Db;
  /** The store's WooCommerce REST client; null when the store has no REST credentials. */
  wooCommerce(storeId: string): Promise<WooCommerceClient | null>;
  /** The store's Pocketsflow API client; null when it takes no Pocketsflow payments. */
  pocketsflow?(storeId: string): Promise<PocketsflowClient | null>;
  /** Where new fulfilment workflows start, and the timeouts they start with (as the API's). */
  intake?: { taskQueue: string; timeouts: FulfillmentTimeouts };
  /** How far before the watermark each run looks again (clock skew, slow commits). */
  overlapMs: number;
  /** How far back the very first run of a store looks. */
  firstLookbackMs: number;
  metrics?: Metrics;
  /** Temporal client; default: the worker's own (activity context). */
  temporal?: Client;
  now?: () => Date;
}

export interface SweepInput {
  storeId: string;
}

export interface SweepResult {
  storeId: string;
  /** False when the store has no REST credentials (nothing to sweep). */
  swept: boolean;
  listed: number;
  /** Paid orders no webhook had started: started by this sweep. */
  recovered: string[];
  /** Orders whose Pocketsflow payment no webhook had delivered: delivered by this sweep. */
  payments: string[];
  /** Orders whose workflow exists and received this snapshot (duplicates collapse there). */
  signalled: number;
  /** Bodies that are not a WooCommerce order cardbridge can read. */
  unreadable: number;
  webhookStatus?: string;
  watermark?: string;
}

const PER_PAGE = 100;
/** Pocketsflow pages (100 orders each) one sweep reads at most. */
const MAX_PAYMENT_PAGES = 5;

/** The webhook that points at this store's cardbridge URL, by its delivery URL's path. */
export function cardbridgeWebhookStatus(
  webhooks: { status: string; delivery_url: string; topic: string }[],
  storeId: string,
): string {
  const ours = webhooks.filter((w) => {
    try {
      return new URL(w.delivery_url).pathname.replace(/\/+$/, '') === `/webhooks/woocommerce/${storeId}`;
    } catch {
      return false;
    }
  });
  if (!ours.length) return 'missing';
  // One healthy order webhook is enough; otherwise report the worst.
  if (ours.some((w) => w.status === 'active')) return 'active';
  return ours.find((w) => w.status === 'disabled')?.status ?? ours[0]!.status;
}

export function createSweepActivities(deps: SweepDeps) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const temporal = () => deps.temporal ?? Context.current().client;

  async function exists(workflowId: string): Promise<boolean> {
    try {
      await temporal().workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  async function checkWebhook(storeId: string, woo: WooCommerceClient): Promise<string | undefined> {
    try {
      const status = cardbridgeWebhookStatus(await woo.listWebhooks(), storeId);
      deps.metrics?.storefrontWebhook(storeId, status);
      if (status !== 'active') {
        log.warn("the store's webhook to cardbridge is not active: orders arrive only through the sweep", {
          storeId,
          webhookStatus: status,
        });
      }
      return status;
    } catch (err) {
      // A REST key without webhook read permission: the sweep itself still works.
      log.warn('could not read the store webhooks', { storeId, error: (err as Error).message });
      return undefined;
    }
  }

  /**
   * Pocketsflow payments the webhook may have missed (seed 002: list recent orders, match on
   * metadata.woocommerce_order_id), through the webhook's own path: the same event id and
   * receipt, so a payment the webhook delivered is skipped and one it missed is delivered once.
   */
  async function sweepPayments(
    storeId: string,
    pocketsflow: PocketsflowClient,
    gateway: Gateway,
    result: SweepResult,
  ): Promise<void> {
    const receipts = createReceipts(db);
    const latePayments = createLatePayments(db);
    for (let page = 1; page <= MAX_PAYMENT_PAGES; page++) {
      Context.current().heartbeat({ payments: page });
      const { orders, hasMore } = await pocketsflow.listOrders(page);
      let fresh = 0;
      for (const o of orders) {
        if (o.status !== 'completed' || !o.wooOrderId || !ORDER_ID.test(o.wooOrderId)) continue;
        if (await receipts.seen('pocketsflow', pocketsflowEventId(storeId, o.id))) continue;
        fresh++;
        await deliverPocketsflowPayment(
          { gateway, latePayments, receipts },
          {
            storeId,
            orderId: o.wooOrderId,
            pocketsflowOrderId: o.id,
            currency: o.currency,
            answered: 'nothing (found by the recovery sweep)',
          },
        );
        result.payments.push(o.wooOrderId);
      }
      // Newest first: a page with nothing new means the older pages were seen before.
      if (!hasMore || fresh === 0) break;
    }
    if (result.payments.length) {
      log.warn('the sweep found Pocketsflow payments no webhook delivered', {
        storeId,
        orderIds: result.payments,
      });
    }
  }

  return {
    async sweepStorefront({ storeId }: SweepInput): Promise<SweepResult> {
      const result: SweepResult = {
        storeId,
        swept: false,
        listed: 0,
        recovered: [],
        payments: [],
        signalled: 0,
        unreadable: 0,
      };
      const woo = await deps.wooCommerce(storeId);
      const pocketsflow = (await deps.pocketsflow?.(storeId)) ?? null;
      if (!woo && !pocketsflow) return result;
      result.swept = true;
      if (!deps.intake)
        throw new Error('the worker was started without the sweep intake (task queue, timeouts)');
      const gateway = createGateway(temporal(), deps.intake.taskQueue, deps.intake.timeouts, {
        deadlineMs: 10_000,
      });
      if (pocketsflow) await sweepPayments(storeId, pocketsflow, gateway, result);
      if (!woo) return result;
      const startedAt = now();
      const state = await db.storefrontSweep.findUnique({ where: { storeId } });
      const from = new Date(
        (state?.watermark.getTime() ?? startedAt.getTime() - deps.firstLookbackMs) - deps.overlapMs,
      );
      result.webhookStatus = await checkWebhook(storeId, woo);
      const store = await db.store.findUnique({ where: { id: storeId } });
      const settleLaterMethods = settleLaterMethodsOf(store?.settings);

      try {
        for (let page = 1, pages = 1; page <= pages; page++) {
          Context.current().heartbeat({ page });
          const listed = await woo.listOrders({ modifiedAfter: from, page, perPage: PER_PAGE });
          pages = listed.totalPages;
          for (const raw of listed.orders) {
            result.listed++;
            const modified = (raw as { date_modified_gmt?: unknown } | null)?.date_modified_gmt;
            let snapshot;
            try {
              snapshot = parseWooOrder(raw, {
                // Stable per (order, change): a second sweep over the same change is a duplicate.
                eventId: `woo-sweep:${storeId}:${(raw as { id?: unknown } | null)?.id}:${typeof modified === 'string' ? modified : 'unknown'}`,
                settleLaterMethods,
              });
            } catch (err) {
              if (!(err instanceof WooOrderUnreadableError)) throw err;
              result.unreadable++;
              continue;
            }
            const { orderId } = snapshot;
            const details = { ...snapshot.details, via: 'sweep' as const };
            // The same two paths as a webhook: a paid order starts (or reaches) its workflow; any
            // other change reaches only a workflow that exists.
            if (opensWorkflow(details, store?.settings)) {
              const known = await exists(fulfillmentWorkflowId(storeId, orderId));
              await gateway.orderDetails(storeId, orderId, details);
              if (known) result.signalled++;
              else result.recovered.push(orderId);
            } else if ((await gateway.orderUpdate(storeId, orderId, details)) === 'signalled') {
              result.signalled++;
            }
          }
        }
      } catch (err) {
        await db.storefrontSweep.upsert({
          where: { storeId },
          create: {
            storeId,
            watermark: new Date(from.getTime() + deps.overlapMs),
            lastRunAt: startedAt,
            lastError: (err as Error).message.slice(0, 500),
            webhookStatus: result.webhookStatus,
            webhookCheckedAt: result.webhookStatus ? startedAt : undefined,
          },
          update: {
            lastRunAt: startedAt,
            lastError: (err as Error).message.slice(0, 500),
            ...(result.webhookStatus
              ? { webhookStatus: result.webhookStatus, webhookCheckedAt: startedAt }
              : {}),
          },
        });
        throw err;
      }

      // Everything modified before this run began has been seen; the overlap covers the rest.
      await db.storefrontSweep.upsert({
        where: { storeId },
        create: {
          storeId,
          watermark: startedAt,
          lastRunAt: startedAt,
          recovered: result.recovered.length,
          webhookStatus: result.webhookStatus,
          webhookCheckedAt: result.webhookStatus ? startedAt : undefined,
        },
        update: {
          watermark: startedAt,
          lastRunAt: startedAt,
          lastError: null,
          recovered: { increment: result.recovered.length },
          ...(result.webhookStatus
            ? { webhookStatus: result.webhookStatus, webhookCheckedAt: startedAt }
            : {}),
        },
      });
      if (result.recovered.length) {
        deps.metrics?.sweepRecovered(storeId, result.recovered.length);
        log.warn('the sweep found paid orders no webhook delivered', { storeId, orderIds: result.recovered });
      }
      result.watermark = startedAt.toISOString();
      return result;
    },
  };
}

export type SweepActivities = ReturnType<typeof createSweepActivities>;
