// The second sandbox supplier: Kinguin-style wire format (src/suppliers/kinguin.ts), next to
// the Alpha PSN sandbox and driven by the same per-order Behaviour rules (5xx, rejection,
// outcome, fulfil delay, dropped webhook, latency) plus a quoted unit price. Webhooks carry only
// ids and status with the fixed X-Event-Secret header, as Kinguin's do.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import type { KinguinKey, KinguinOrder, KinguinWebhook } from '../suppliers/kinguin';
import type { Behaviour } from './server';

export interface KinguinSandboxOptions {
  apiKey: string;
  webhookSecret: string;
  webhookUrl?: string;
  /** Unit price per product (EUR); default 9.00. */
  prices?: Record<string, string>;
}

export interface KinguinSandboxStats {
  ordersCreated: number;
  byClientOrderId: Record<string, number>;
  orderCalls: { orderExternalId: string; status: number }[];
  codesIssued: string[];
  webhooksSent: number;
}

const orderBody = z.object({
  orderExternalId: z.string().min(1).max(100),
  products: z
    .array(
      z.object({ productId: z.string().min(1), qty: z.number().int().min(1).max(100), price: z.number() }),
    )
    .min(1),
});

export function createKinguinSandbox(opts: KinguinSandboxOptions) {
  const app = express();
  const rules: { match: string; behaviour: Behaviour & { unitPrice?: string } }[] = [];
  const orders = new Map<string, { order: KinguinOrder; keys: KinguinKey[] }>();
  const byExternal = new Map<string, string>();
  const stats: KinguinSandboxStats = {
    ordersCreated: 0,
    byClientOrderId: {},
    orderCalls: [],
    codesIssued: [],
    webhooksSent: 0,
  };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const sleep = (ms: number) => new Promise<void>((r) => later(ms, r));
  let defaults: Behaviour & { unitPrice?: string } = {};
  const behaviourFor = (match: string) => rules.find((r) => match.includes(r.match))?.behaviour ?? defaults;
  const priceOf = (productId: string) =>
    Number(
      rules.find((r) => productId.includes(r.match))?.behaviour.unitPrice ??
        defaults.unitPrice ??
        opts.prices?.[productId] ??
        '9.00',
    );

  async function sendWebhook(order: KinguinOrder) {
    if (!opts.webhookUrl) return;
    const event: KinguinWebhook = {
      orderId: order.orderId,
      orderExternalId: order.orderExternalId,
      status: order.status,
      updatedAt: order.updatedAt,
    };
    try {
      const res = await fetch(opts.webhookUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Event-Name': 'order.status',
          'X-Event-Secret': opts.webhookSecret,
        },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) stats.webhooksSent++;
    } catch {
      // Kinguin retries a few times; the workflow's lookup covers a lost one.
    }
  }

  function complete(stored: { order: KinguinOrder; keys: KinguinKey[] }, behaviour: Behaviour) {
    const outcome = behaviour.outcome ?? 'delivered';
    if (outcome === 'pending') return;
    const o = stored.order;
    if (outcome === 'failed') o.status = 'canceled';
    else {
      o.status = 'completed';
      for (const [i, p] of o.products.entries()) {
        const n = outcome === 'partial' && i === o.products.length - 1 ? Math.floor(p.qty / 2) : p.qty;
        for (let k = 0; k < n; k++) {
          const serial = `KG${randomBytes(6).toString('hex').toUpperCase()}`;
          stats.codesIssued.push(serial);
          stored.keys.push({ serial, type: 'text/plain', productId: p.productId });
        }
      }
    }
    o.updatedAt = new Date().toISOString();
    if (behaviour.webhook !== 'drop') void sendWebhook(o);
  }

  app.use((req, res, next) => {
    if (req.path.startsWith('/__sandbox')) return next();
    if (req.get('x-api-key') !== opts.apiKey) {
      res.status(401).json({ kind: 'Error', status: 401, title: 'Unauthorized', detail: 'invalid API key' });
      return;
    }
    next();
  });
  app.use(express.json({ limit: '64kb' }));

  app.get('/v1/products/:productId', async (req, res) => {
    const b = behaviourFor(req.params.productId);
    if (b.latencyMs) await sleep(b.latencyMs);
    res.json({ productId: req.params.productId, price: priceOf(req.params.productId), qty: 1000 });
  });

  app.post('/v2/order', async (req, res) => {
    const parsed = orderBody.safeParse(req.body);
    if (!parsed.success) {
      res
        .status(400)
        .json({ kind: 'Error', status: 400, title: 'Bad Request', detail: parsed.error.issues[0]?.message });
      return;
    }
    const { orderExternalId, products } = parsed.data;
    const behaviour = behaviourFor(orderExternalId);
    res.on('close', () => stats.orderCalls.push({ orderExternalId, status: res.statusCode }));
    if (behaviour.latencyMs) await sleep(behaviour.latencyMs);
    if (behaviour.fail5xx && behaviour.fail5xx.times > 0) {
      behaviour.fail5xx.times--;
      res.status(behaviour.fail5xx.status ?? 503).json({ kind: 'Error', status: 503, title: 'Unavailable' });
      return;
    }
    if (behaviour.reject) {
      res.status(behaviour.reject.status).json({
        kind: 'Error',
        status: behaviour.reject.status,
        title: 'Rejected',
        detail: behaviour.reject.message,
      });
      return;
    }
    // orderExternalId is unique per account: a second order with it is refused.
    if (byExternal.has(orderExternalId)) {
      res
        .status(409)
        .json({ kind: 'Error', status: 409, title: 'Conflict', detail: 'orderExternalId already used' });
      return;
    }
    const now = new Date().toISOString();
    const order: KinguinOrder = {
      orderId: `KG-${randomUUID()}`,
      orderExternalId,
      status: 'processing',
      products: products.map((p) => ({ productId: p.productId, qty: p.qty, price: priceOf(p.productId) })),
      totalPrice: products.reduce((n, p) => n + priceOf(p.productId) * p.qty, 0),
      createdAt: now,
      updatedAt: now,
    };
    const stored = { order, keys: [] as KinguinKey[] };
    orders.set(order.orderId, stored);
    byExternal.set(orderExternalId, order.orderId);
    stats.ordersCreated++;
    stats.byClientOrderId[orderExternalId] = (stats.byClientOrderId[orderExternalId] ?? 0) + 1;
    const snapshot = structuredClone(order);
    later(behaviour.fulfilDelayMs ?? 50, () => complete(stored, behaviour));
    res.status(200).json(snapshot);
  });

  app.get('/v2/order', async (req, res) => {
    const external = typeof req.query.orderExternalId === 'string' ? req.query.orderExternalId : undefined;
    if (external) {
      const b = behaviourFor(external);
      if (b.latencyMs) await sleep(b.latencyMs);
    }
    const from = typeof req.query.createdAtFrom === 'string' ? req.query.createdAtFrom : undefined;
    const results = [...orders.values()]
      .map((s) => s.order)
      .filter((o) => (external ? o.orderExternalId === external : true))
      .filter((o) => (from ? o.createdAt.startsWith(from) : true));
    res.json({ results, item_count: results.length });
  });

  app.get('/v2/order/:orderId/keys', (req, res) => {
    const stored = orders.get(req.params.orderId);
    if (!stored) {
      res.status(404).json({ kind: 'Error', status: 404, title: 'Not Found' });
      return;
    }
    res.json(stored.keys);
  });

  app.get('/v1/balance', (_req, res) => {
    res.json({ balance: 10_000 });
  });

  // ---- control plane, as on the Alpha sandbox (no API key; loopback only)
  app.post('/__sandbox/rules', (req, res) => {
    const rule = z
      .object({ match: z.string().min(1), behaviour: z.record(z.string(), z.unknown()) })
      .parse(req.body);
    rules.unshift({ match: rule.match, behaviour: rule.behaviour as Behaviour });
    res.status(204).end();
  });
  app.get('/__sandbox/stats', (_req, res) => {
    res.json(stats);
  });

  return {
    app,
    stats,
    /** Behaviour for every order (or product, for unitPrice) whose id contains `match`. */
    on(match: string, behaviour: Behaviour & { unitPrice?: string }) {
      rules.unshift({ match, behaviour });
    },
    /** Behaviour for every order no rule matches ('' clears). */
    setDefaults(behaviour: Behaviour & { unitPrice?: string }) {
      defaults = behaviour;
    },
    setWebhookUrl(url: string) {
      opts.webhookUrl = url;
    },
    async listen(port = 0, host = '127.0.0.1') {
      const server = app.listen(port, host);
      await new Promise<void>((resolve, reject) => {
        server.once('listening', resolve);
        server.once('error', reject);
      });
      const url = `http://${host}:${(server.address() as AddressInfo).port}`;
      return {
        url,
        close: async () => {
          for (const t of timers) clearTimeout(t);
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  };
}

export type KinguinSandbox = ReturnType<typeof createKinguinSandbox>;
