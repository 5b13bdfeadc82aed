// Activities: one external effect each, built from injected dependencies so tests can swap
// any of them. They pass the workflow's idempotency keys through unchanged.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { CodeVault } from '../codes/vault';
import { maskCode } from '../codes/vault';
import type { Db } from '../db/client';
import { Prisma } from '../generated/prisma/client';
import type { Notifier, NoticeTemplate } from '../notify/notifier';
import type { Storefronts } from '../storefront/storefront';
import {
  ErrorType,
  type IssuedCode,
  type OrderDetails,
  type Reason,
  type ReviewDecision,
} from '../shared/contract';
import {
  DEFAULT_STORE_SETTINGS,
  type Catalog,
  type SkuMappingView,
  type StoreSettings,
} from '../shared/eligibility';
import {
  SupplierRateLimitedError,
  SupplierRejectedError,
  type PlaceOrderRequest,
  type SupplierClient,
} from '../suppliers/supplier';
import type { Metrics } from '../observability/metrics';
import { createReconcileActivities } from './reconcile';
import { createSweepActivities, type SweepDeps } from './sweep';

export interface ActivityDeps {
  db: Db;
  supplier: SupplierClient;
  vault: CodeVault;
  notifier: Notifier;
  storefronts: Storefronts;
  metrics?: Metrics;
  /** Supplier balance under this (decimal string) raises an alert. */
  lowBalance: string;
  /** The recovery sweep: stores' REST clients and where orders it finds start. */
  sweep?: Pick<SweepDeps, 'wooCommerce' | 'intake'> &
    Partial<Pick<SweepDeps, 'overlapMs' | 'firstLookbackMs'>>;
}

export function createActivities(deps: ActivityDeps) {
  const { db, supplier, vault } = deps;

  async function orderRow(workflowId: string) {
    const order = await db.order.findUnique({ where: { workflowId }, include: { lines: true } });
    if (!order)
      throw ApplicationFailure.nonRetryable(`no order recorded for ${workflowId}`, 'OrderNotRecorded');
    return order;
  }

  /** Order-outcome metrics with the order's region(s); never fails the activity that calls it. */
  async function countOrder(
    storeId: string,
    skus: string[],
    record: (m: Metrics, region: string) => void,
  ): Promise<void> {
    const metrics = deps.metrics;
    if (!metrics) return;
    try {
      const rows = await db.skuMapping.findMany({
        where: { storeId, sku: { in: skus }, active: true },
        select: { region: true },
      });
      record(metrics, [...new Set(rows.map((r) => r.region))].sort().join(',') || 'unknown');
    } catch (err) {
      log.warn('order metric not recorded', { storeId, error: (err as Error).message });
    }
  }

  /** Maps supplier errors onto Temporal's retry semantics. */
  async function supplierCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      const result = await fn();
      deps.metrics?.supplierCall(what, 'ok', Date.now() - started);
      return result;
    } catch (err) {
      deps.metrics?.supplierCall(what, (err as Error).name, Date.now() - started);
      if (err instanceof SupplierRejectedError) {
        throw ApplicationFailure.nonRetryable(err.message, ErrorType.SupplierRejected, {
          status: err.status,
        });
      }
      if (err instanceof SupplierRateLimitedError) {
        throw ApplicationFailure.create({
          message: err.message,
          type: ErrorType.SupplierRateLimited,
          nextRetryDelay: err.retryAfterMs,
        });
      }
      throw err;
    }
  }

  return {
    ...createReconcileActivities(deps),
    ...createSweepActivities({
      db,
      metrics: deps.metrics,
      wooCommerce: deps.sweep?.wooCommerce ?? (() => Promise.resolve(null)),
      intake: deps.sweep?.intake,
      overlapMs: deps.sweep?.overlapMs ?? 10 * 60_000,
      firstLookbackMs: deps.sweep?.firstLookbackMs ?? 24 * 3_600_000,
    }),
    async recordOrder(input: {
      workflowId: string;
      storeId: string;
      orderId: string;
      details: OrderDetails;
    }) {
      const { details: d } = input;
      const known = await db.store.findUnique({ where: { id: input.storeId } });
      if (!known)
        throw ApplicationFailure.nonRetryable(`unknown store ${input.storeId}`, ErrorType.UnknownStore);
      const existed = await db.order.findUnique({
        where: { workflowId: input.workflowId },
        select: { id: true },
      });
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
          input.storeId,
          d.lines.map((l) => l.sku),
          (m, region) => m.orderStarted(input.storeId, region),
        );
      }
    },

    async loadCatalog(input: { storeId: string; skus: string[] }): Promise<Catalog> {
      const storeRow = await db.store.findUnique({ where: { id: input.storeId } });
      if (!storeRow)
        throw ApplicationFailure.nonRetryable(`unknown store ${input.storeId}`, ErrorType.UnknownStore);
      const rows = await db.skuMapping.findMany({
        where: { storeId: input.storeId, sku: { in: input.skus }, active: true },
      });
      const mappings: Record<string, SkuMappingView> = {};
      for (const r of rows) {
        mappings[r.sku] = {
          sku: r.sku,
          version: r.version,
          supplierProduct: r.supplierProduct,
          region: r.region,
          currency: r.currency,
          denomination: r.denomination.toFixed(2),
          price: r.price.toFixed(2),
          skuGroup: r.skuGroup,
        };
      }
      const settings: StoreSettings = {
        ...DEFAULT_STORE_SETTINGS,
        ...(storeRow.settings as Partial<StoreSettings>),
      };
      return { settings, mappings };
    },

    async recordEvent(input: {
      workflowId: string;
      type: string;
      status: string;
      lineNo?: number;
      details: Record<string, unknown>;
      dedupeKey: string;
    }) {
      const order = await db.order.findUnique({ where: { workflowId: input.workflowId } });
      if (!order) return; // events before the order is recorded have nowhere to go; history has them
      const line =
        input.lineNo === undefined
          ? undefined
          : await db.orderLine.findUnique({
              where: { orderId_lineNo: { orderId: order.id, lineNo: input.lineNo } },
            });
      const mapping = line
        ? await db.skuMapping.findFirst({ where: { storeId: order.storeId, sku: line.sku, active: true } })
        : null;
      await db.fulfillmentEvent.createMany({
        data: [
          {
            orderId: order.id,
            lineNo: input.lineNo ?? null,
            type: input.type,
            status: input.status,
            details: input.details as Prisma.InputJsonValue,
            channel: order.channel,
            region: line?.region ?? order.region,
            skuGroup: mapping?.skuGroup ?? null,
            paymentMethod: order.paymentMethod,
            dedupeKey: input.dedupeKey,
          },
        ],
        skipDuplicates: true,
      });
    },

    /** Encrypts and stores codes; idempotent per (order, line, unit). Returns masked forms. */
    async storeCodes(input: {
      workflowId: string;
      lineNo: number;
      firstUnit: number;
      codes: IssuedCode[];
      supplierOrderId?: string;
    }): Promise<string[]> {
      const order = await orderRow(input.workflowId);
      const rows = input.codes.map((c, i) => {
        const secret = c.pin
          ? JSON.stringify({ code: c.code, pin: c.pin })
          : JSON.stringify({ code: c.code });
        const { keyId, ciphertext } = vault.encrypt(secret);
        return {
          orderId: order.id,
          lineNo: input.lineNo,
          unitIndex: input.firstUnit + i,
          keyId,
          ciphertext,
          masked: maskCode(c.code),
          fingerprint: vault.fingerprint(c.code),
          supplierOrderId: input.supplierOrderId ?? null,
        };
      });
      await db.$transaction(async (tx) => {
        for (const row of rows) {
          const existing = await tx.deliveredCode.findUnique({ where: { fingerprint: row.fingerprint } });
          if (existing) {
            if (
              existing.orderId === row.orderId &&
              existing.lineNo === row.lineNo &&
              existing.unitIndex === row.unitIndex
            )
              continue;
            throw ApplicationFailure.nonRetryable(
              `code ${row.masked} is already delivered elsewhere; refusing to deliver it twice`,
              ErrorType.CodeConflict,
            );
          }
          await tx.deliveredCode.upsert({
            where: {
              orderId_lineNo_unitIndex: {
                orderId: row.orderId,
                lineNo: row.lineNo,
                unitIndex: row.unitIndex,
              },
            },
            update: {},
            create: row,
          });
        }
        const line = await tx.orderLine.findUnique({
          where: { orderId_lineNo: { orderId: order.id, lineNo: input.lineNo } },
        });
        if (line) {
          const delivered = await tx.deliveredCode.count({
            where: { orderId: order.id, lineNo: input.lineNo },
          });
          await tx.orderLine.update({
            where: { id: line.id },
            data: { delivered, status: delivered >= line.quantity ? 'delivered' : 'partial' },
          });
        }
      });
      return rows.map((r) => r.masked);
    },

    async openReviewCase(input: { workflowId: string; reasons: Reason[]; dedupeKey: string }) {
      const order = await db.order.findUnique({ where: { workflowId: input.workflowId } });
      if (!order) return;
      const first = input.reasons[0]!;
      const opened = await db.reviewCase.createMany({
        data: [
          {
            orderId: order.id,
            workflowId: input.workflowId,
            reasonCode: first.code,
            reason: input.reasons.map((r) => r.message).join(' '),
            dedupeKey: input.dedupeKey,
          },
        ],
        skipDuplicates: true,
      });
      await db.order.update({ where: { id: order.id }, data: { status: 'in_review' } });
      deps.metrics?.reviewOpened(order.storeId);
      if (opened.count > 0) {
        const lines = await db.orderLine.findMany({ where: { orderId: order.id }, select: { sku: true } });
        await countOrder(
          order.storeId,
          lines.map((l) => l.sku),
          (m, region) => m.orderInReview(order.storeId, region, first.code),
        );
      }
    },

    async remindReview(input: { workflowId: string; reminders: number; openedAt: string }) {
      log.warn('review still waiting for a decision', {
        workflowId: input.workflowId,
        reminders: input.reminders,
        openedAt: input.openedAt,
      });
      await db.reviewCase.updateMany({
        where: { workflowId: input.workflowId, status: 'open' },
        data: { note: `reminder ${input.reminders} sent ${new Date().toISOString()}` },
      });
    },

    async closeReviewCase(input: { workflowId: string; decision: ReviewDecision }) {
      await db.reviewCase.updateMany({
        where: { workflowId: input.workflowId, status: 'open' },
        data: {
          status: 'decided',
          decision: input.decision.action,
          decidedBy: input.decision.by,
          note: input.decision.note ?? null,
          decidedAt: new Date(),
        },
      });
    },

    async recordOrderState(input: { workflowId: string; state: string }) {
      const before = deps.metrics
        ? await db.order.findUnique({ where: { workflowId: input.workflowId }, include: { lines: true } })
        : null;
      await db.order.updateMany({
        where: { workflowId: input.workflowId },
        data: { status: input.state, ...(input.state === 'delivered' ? { deliveredAt: new Date() } : {}) },
      });
      if (before && before.status !== input.state) {
        const skus = before.lines.map((l) => l.sku);
        if (input.state === 'delivered') {
          const ms = before.paidAt ? Date.now() - before.paidAt.getTime() : undefined;
          await countOrder(before.storeId, skus, (m, region) => m.orderDelivered(before.storeId, region, ms));
        } else if (['cancelled', 'refunded', 'not_paid'].includes(input.state)) {
          await countOrder(before.storeId, skus, (m, region) =>
            m.orderFailed(before.storeId, region, input.state),
          );
        }
      }
    },

    /**
     * Places one batch. Whether an earlier attempt (a retry, a worker crash, a workflow reset)
     * already reached the supplier is unknown, so always ask the supplier first and never
     * re-send an order it has: exactly once does not rest on the supplier honouring
     * Idempotency-Key.
     */
    async placeSupplierOrder(input: PlaceOrderRequest & { workflowId: string }) {
      const existing = await supplierCall('lookup', () => supplier.findOrder(input.clientOrderId));
      if (existing) {
        log.info('supplier already has this batch; not re-sending', {
          workflowId: input.workflowId,
          clientOrderId: input.clientOrderId,
          attempt: Context.current().info.attempt,
        });
        return existing;
      }
      return supplierCall('order', () =>
        supplier.placeOrder({
          clientOrderId: input.clientOrderId,
          idempotencyKey: input.idempotencyKey,
          lines: input.lines,
        }),
      );
    },

    async lookupSupplierOrder(input: { workflowId: string; clientOrderId: string }) {
      return supplierCall('lookup', () => supplier.findOrder(input.clientOrderId));
    },

    async checkSupplierBalance(input: { workflowId: string }) {
      const balance = await supplierCall('balance', () => supplier.balance());
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
      const order = await orderRow(input.workflowId);
      const codes = await db.deliveredCode.findMany({ where: { orderId: order.id } });
      if (codes.some((c) => c.revealedAt)) return { state: 'unknown' };
      const supplierOrders = [...new Set(codes.map((c) => c.supplierOrderId))];
      if (supplierOrders.includes(null)) return { state: 'unknown' }; // delivered by hand: nobody can tell
      let all: 'used' | 'unused' | 'unknown' = 'unused';
      for (const id of supplierOrders) {
        const state = await supplierCall('redemption', () => supplier.redemption(id!));
        if (state === 'used') return { state };
        if (state === 'unknown') all = 'unknown';
      }
      return { state: all };
    },

    async notifyCustomer(input: { workflowId: string; template: NoticeTemplate; dedupeKey: string }) {
      const order = await db.order.findUnique({ where: { workflowId: input.workflowId } });
      if (!order) return;
      await deps.notifier.notify({ order, template: input.template, dedupeKey: input.dedupeKey });
    },

    async updateStorefront(input: { workflowId: string; outcome: 'delivered' | 'cancelled' }) {
      const order = await orderRow(input.workflowId);
      await deps.storefronts.update(order, input.outcome);
    },

    async refundPayment(input: { workflowId: string; dedupeKey: string }) {
      const order = await orderRow(input.workflowId);
      await deps.storefronts.refund(order, input.dedupeKey);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
