// The Storefronts the worker uses: per store, WooCommerce REST or a signed callback
// (Magento / headless), chosen by the store row (storefront_url + credentials_ref naming an
// entry of STOREFRONT_CREDENTIALS); stores without both are only recorded in the database.
//
// Every effect is one `notifications` row (channel storefront, dedupe key) so an activity retry
// never adds a second note or a second refund: the row is `pending` while working, remembers
// the note id once the note exists, and is `sent` when the whole update is done. Refunds are
// also looked up at WooCommerce by the idempotency key in their reason before one is created.
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { Order } from '../generated/prisma/client';
import { createPocketsflowClient } from '../gateways/pocketsflow';
import { createRecordingStorefronts } from './recording';
import type { Storefronts } from './storefront';
import { createWooCommerceClient, storefrontHttpError } from './woocommerce';

/** A storefront's own credentials (a payment gateway's key is not one). */
type Credentials = Exclude<Config['storefronts']['credentials'][string], { kind: 'pocketsflow' }>;

export interface StorefrontsDeps {
  db: Db;
  credentials: Config['storefronts']['credentials'];
  /** A store's REST credentials from the store registry (database, then env); wins over `credentials`. */
  restCredentials?: (storeId: string) => Promise<Credentials | undefined>;
  timeoutMs: number;
  logger?: Logger;
  now?: () => Date;
}

interface MaskedLine {
  lineNo: number;
  sku: string;
  quantity: number;
  delivered: number;
  masked: string[];
}

async function maskedLines(db: Db, order: Order): Promise<MaskedLine[]> {
  const [lines, codes] = await Promise.all([
    db.orderLine.findMany({ where: { orderId: order.id }, orderBy: { lineNo: 'asc' } }),
    db.deliveredCode.findMany({
      where: { orderId: order.id },
      orderBy: [{ lineNo: 'asc' }, { unitIndex: 'asc' }],
      select: { lineNo: true, masked: true },
    }),
  ]);
  return lines.map((l) => ({
    lineNo: l.lineNo,
    sku: l.sku,
    quantity: l.quantity,
    delivered: l.delivered,
    masked: codes.filter((c) => c.lineNo === l.lineNo).map((c) => c.masked),
  }));
}

/** The order note: masked codes only (last 4 characters), never a full code. */
export function deliveryNote(lines: MaskedLine[], outcome: 'delivered' | 'cancelled'): string {
  if (outcome === 'cancelled') {
    return 'cardbridge: order cancelled; no codes were delivered for it.';
  }
  const count = lines.reduce((n, l) => n + l.masked.length, 0);
  const parts = lines.filter((l) => l.masked.length).map((l) => `${l.sku}: ${l.masked.join(', ')}`);
  return `cardbridge: delivered ${count} code${count === 1 ? '' : 's'} by email to the customer. ${parts.join('; ')}.`;
}

export function createStorefronts(deps: StorefrontsDeps): Storefronts {
  const { db } = deps;
  const recording = createRecordingStorefronts(db);
  const now = deps.now ?? (() => new Date());

  /** Claims the row for this effect; returns it, or null when the effect is already done. */
  async function begin(order: Order, template: string, dedupeKey: string) {
    await db.notification.createMany({
      data: [{ orderId: order.id, channel: 'storefront', template, status: 'pending', dedupeKey }],
      skipDuplicates: true,
    });
    const row = await db.notification.findUniqueOrThrow({ where: { dedupeKey } });
    return row.status === 'sent' ? null : row;
  }
  const done = (id: bigint, messageId?: string) =>
    db.notification.update({
      where: { id },
      data: { status: 'sent', sentAt: now(), error: null, ...(messageId ? { messageId } : {}) },
    });

  async function resolve(order: Order): Promise<{ url: string; creds: Credentials } | null> {
    const store = await db.store.findUnique({ where: { id: order.storeId } });
    const creds =
      (await deps.restCredentials?.(order.storeId)) ??
      (store?.credentialsRef ? deps.credentials[store.credentialsRef] : undefined);
    if (!store?.storefrontUrl || !creds || creds.kind === 'pocketsflow') return null;
    return { url: store.storefrontUrl, creds };
  }

  async function signedCallback(
    url: string,
    secret: string,
    event: string,
    payload: Record<string, unknown>,
  ) {
    const body = JSON.stringify({ event, ...payload });
    const ts = Math.floor(now().getTime() / 1000).toString();
    const sig = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Cardbridge-Event': event,
        'X-Cardbridge-Timestamp': ts,
        'X-Cardbridge-Signature': `v1=${sig}`,
        'Idempotency-Key': String(payload.idempotencyKey),
      },
      body,
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    await res.arrayBuffer();
    if (!res.ok) throw storefrontHttpError(`storefront callback ${event}`, res.status);
  }

  const log = (order: Order, msg: string, extra: Record<string, unknown> = {}) =>
    deps.logger?.info({ orderId: order.externalOrderId, workflowId: order.workflowId, ...extra }, msg);

  return {
    async update(order, outcome) {
      const target = await resolve(order);
      if (!target) return recording.update(order, outcome);
      const dedupeKey = `${order.workflowId}/storefront/${outcome}`;
      const row = await begin(order, outcome, dedupeKey);
      if (!row) return;
      const lines = await maskedLines(db, order);
      if (target.creds.kind === 'woocommerce') {
        const woo = createWooCommerceClient({
          baseUrl: target.url,
          credentials: target.creds,
          timeoutMs: deps.timeoutMs,
        });
        let noteId = row.messageId ?? undefined;
        if (!noteId) {
          noteId = String((await woo.addNote(order.externalOrderId, deliveryNote(lines, outcome))).id);
          await db.notification.update({ where: { id: row.id }, data: { messageId: noteId } });
        }
        await woo.setStatus(order.externalOrderId, outcome === 'delivered' ? 'completed' : 'cancelled');
        await done(row.id, noteId);
      } else {
        await signedCallback(target.url, target.creds.secret, `order.${outcome}`, {
          storeId: order.storeId,
          orderId: order.externalOrderId,
          status: outcome,
          lines,
          idempotencyKey: dedupeKey,
        });
        await done(row.id);
      }
      log(order, 'storefront updated', { outcome, platform: target.creds.kind });
    },

    async refund(order, idempotencyKey, amountOverride) {
      const target = await resolve(order);
      if (!target) return recording.refund(order, idempotencyKey);
      const row = await begin(order, 'refund', idempotencyKey);
      if (!row) return;
      const amount = amountOverride ?? order.total.toFixed(2);
      if (target.creds.kind === 'woocommerce') {
        const woo = createWooCommerceClient({
          baseUrl: target.url,
          credentials: target.creds,
          timeoutMs: deps.timeoutMs,
        });
        const reason = `cardbridge refund ${idempotencyKey}`;
        // A previous attempt may have created the refund and then lost the answer.
        const existing = (await woo.listRefunds(order.externalOrderId)).find((r) => r.reason === reason);
        const refund =
          existing ?? (await woo.refund(order.externalOrderId, { amount, reason, apiRefund: true }));
        await done(row.id, String(refund.id));
      } else {
        await signedCallback(target.url, target.creds.secret, 'order.refund', {
          storeId: order.storeId,
          orderId: order.externalOrderId,
          amount,
          currency: order.currency,
          idempotencyKey,
        });
        await done(row.id);
      }
      log(order, 'storefront refund requested', { platform: target.creds.kind });
    },
  };
}

/** The WooCommerce REST client of a store, for reading (the recovery sweep); null without credentials. */
export function createWooCommerceClients(
  deps: Pick<StorefrontsDeps, 'db' | 'credentials' | 'restCredentials' | 'timeoutMs'>,
) {
  return async (storeId: string) => {
    const store = await deps.db.store.findUnique({ where: { id: storeId } });
    const creds =
      (await deps.restCredentials?.(storeId)) ??
      (store?.credentialsRef ? deps.credentials[store.credentialsRef] : undefined);
    if (!store?.storefrontUrl || creds?.kind !== 'woocommerce') return null;
    return createWooCommerceClient({
      baseUrl: store.storefrontUrl,
      credentials: creds,
      timeoutMs: deps.timeoutMs,
    });
  };
}

/** The store's Pocketsflow client for the sweep (settings.pocketsflowCredentialsRef); null without one. */
export function createPocketsflowClients(deps: Pick<StorefrontsDeps, 'db' | 'credentials' | 'timeoutMs'>) {
  return async (storeId: string) => {
    const store = await deps.db.store.findUnique({ where: { id: storeId } });
    const ref = (store?.settings as { pocketsflowCredentialsRef?: unknown } | null)
      ?.pocketsflowCredentialsRef;
    const creds = typeof ref === 'string' ? deps.credentials[ref] : undefined;
    if (creds?.kind !== 'pocketsflow') return null;
    return createPocketsflowClient({
      apiKey: creds.apiKey,
      baseUrl: creds.baseUrl,
      timeoutMs: deps.timeoutMs,
    });
  };
}
