// A local fake of a WooCommerce store as cardbridge meets it: the REST endpoints it calls (wc/v3
// order notes, order update, refunds, the order list the recovery sweep reads, webhooks) with
// HTTP Basic auth, and the store's own order webhook, delivered the way WooCommerce delivers it
// (plugins/woocommerce/includes/class-wc-webhook.php): once, never re-sent; any answer outside
// 2xx raises the webhook's failure count, and a failure when the count is already above 5 sets
// the webhook to `disabled`, after which nothing is sent at all.
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface WooCall {
  method: string;
  path: string;
  body: unknown;
}

export async function startWooCommerceFake(creds: { consumerKey: string; consumerSecret: string }) {
  const calls: WooCall[] = [];
  const rejected: WooCall[] = [];
  const refunds = new Map<string, { id: number; reason: string; amount: string }[]>();
  const status = new Map<string, string>();
  /** Make the next N calls (or the next N status updates) answer 503 (transient). */
  const faults = { unavailable: 0, statusUpdateUnavailable: 0 };
  let nextId = 1000;
  const orders = new Map<number, Record<string, unknown>>();
  const webhooks: {
    id: number;
    name: string;
    status: 'active' | 'paused' | 'disabled';
    topic: string;
    delivery_url: string;
    secret: string;
    failure_count: number;
  }[] = [];
  /** What each webhook delivery got back (status 0: no answer). */
  const deliveries: { webhookId: number; orderId: number; topic: string; status: number }[] = [];
  const expected = `Basic ${Buffer.from(`${creds.consumerKey}:${creds.consumerSecret}`).toString('base64')}`;

  const app = express();
  app.use(express.json());
  app.use((req, res, next) => {
    const call = { method: req.method, path: req.path, body: req.body as unknown };
    if (req.headers.authorization !== expected) {
      rejected.push(call);
      res
        .status(401)
        .json({ code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.' });
      return;
    }
    const statusUpdate = req.method === 'PUT' && faults.statusUpdateUnavailable > 0;
    if (faults.unavailable > 0 || statusUpdate) {
      if (statusUpdate) faults.statusUpdateUnavailable--;
      else faults.unavailable--;
      res.status(503).json({ code: 'unavailable' });
      return;
    }
    calls.push(call);
    next();
  });
  app.get('/wp-json/wc/v3/orders', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const perPage = Number(q.per_page ?? 10);
    const page = Number(q.page ?? 1);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
      res.status(400).json({
        code: 'rest_invalid_param',
        message: 'Invalid parameter(s): per_page',
        data: {
          status: 400,
          params: { per_page: 'per_page must be between 1 (inclusive) and 100 (inclusive)' },
        },
      });
      return;
    }
    // WooCommerce reads modified_after in the site's zone unless dates_are_gmt; this site is UTC.
    const after = q.modified_after ? Date.parse(`${q.modified_after.replace(/Z$/, '')}Z`) : -Infinity;
    const list = [...orders.values()]
      .filter((o) => Date.parse(`${String(o.date_modified_gmt)}Z`) > after)
      .sort((a, b) =>
        q.orderby === 'modified'
          ? String(a.date_modified_gmt).localeCompare(String(b.date_modified_gmt)) *
            (q.order === 'asc' ? 1 : -1)
          : (Number(b.id) - Number(a.id)) * (q.order === 'asc' ? -1 : 1),
      );
    res.set('X-WP-Total', String(list.length));
    res.set('X-WP-TotalPages', String(Math.max(1, Math.ceil(list.length / perPage))));
    res.json(list.slice((page - 1) * perPage, page * perPage));
  });
  app.get('/wp-json/wc/v3/webhooks', (_req, res) => {
    res.json(webhooks.map(({ secret: _secret, failure_count: _f, ...w }) => w));
  });
  app.put('/wp-json/wc/v3/webhooks/:id', (req, res) => {
    const hook = webhooks.find((w) => w.id === Number(req.params.id));
    if (!hook) {
      res.status(404).json({ code: 'woocommerce_rest_shop_webhook_invalid_id', message: 'Invalid ID.' });
      return;
    }
    const status = (req.body as { status?: string }).status;
    if (status === 'active' || status === 'paused' || status === 'disabled') hook.status = status;
    if (hook.status === 'active') hook.failure_count = 0;
    const { secret: _secret, failure_count: _f, ...shown } = hook;
    res.json(shown);
  });
  app.post('/wp-json/wc/v3/orders/:id/notes', (req, res) => {
    res.status(201).json({ id: nextId++, note: (req.body as { note: string }).note });
  });
  app.put('/wp-json/wc/v3/orders/:id', (req, res) => {
    status.set(req.params.id, (req.body as { status: string }).status);
    res.json({ id: Number(req.params.id), status: status.get(req.params.id) });
  });
  app.get('/wp-json/wc/v3/orders/:id/refunds', (req, res) => {
    res.json(refunds.get(req.params.id) ?? []);
  });
  app.post('/wp-json/wc/v3/orders/:id/refunds', (req, res) => {
    const b = req.body as { amount: string; reason: string };
    const refund = { id: nextId++, reason: b.reason, amount: b.amount };
    refunds.set(req.params.id, [...(refunds.get(req.params.id) ?? []), refund]);
    res.status(201).json(refund);
  });
  app.use((req, res) => {
    res.status(404).json({ code: 'rest_no_route', message: `No route ${req.method} ${req.path}` });
  });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** WooCommerce's webhook delivery: one POST, its answer only counted (class-wc-webhook.php). */
  async function deliver(topic: 'order.created' | 'order.updated', order: Record<string, unknown>) {
    for (const hook of webhooks.filter((w) => w.status === 'active' && w.topic === topic)) {
      const body = phpJsonEncode(order);
      const [resource, event] = topic.split('.') as [string, string];
      let status: number;
      try {
        const res = await fetch(hook.delivery_url, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)',
            'X-WC-Webhook-Source': `${url}/`,
            'X-WC-Webhook-Topic': topic,
            'X-WC-Webhook-Resource': resource,
            'X-WC-Webhook-Event': event,
            'X-WC-Webhook-Signature': createHmac('sha256', hook.secret).update(body).digest('base64'),
            'X-WC-Webhook-ID': String(hook.id),
            'X-WC-Webhook-Delivery-ID': String(nextId++),
          },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      deliveries.push({ webhookId: hook.id, orderId: Number(order.id), topic, status });
      if (status >= 200 && status < 300) hook.failure_count = 0;
      else if (hook.failure_count > 5) hook.status = 'disabled';
      else hook.failure_count++;
    }
  }

  const gmtNow = () => new Date().toISOString().slice(0, 19);

  return {
    url,
    orders,
    webhooks,
    deliveries,
    /** Registers a webhook (as WooCommerce → Settings → Advanced → Webhooks does). */
    addWebhook(hook: {
      topic: string;
      deliveryUrl: string;
      secret: string;
      status?: 'active' | 'paused' | 'disabled';
    }) {
      const w = {
        id: nextId++,
        name: `cardbridge ${hook.topic}`,
        status: hook.status ?? 'active',
        topic: hook.topic,
        delivery_url: hook.deliveryUrl,
        secret: hook.secret,
        failure_count: 0,
      };
      webhooks.push(w);
      return w;
    },
    /** Creates or saves an order as the shop does: stamps date_modified_gmt, fires the webhook once. */
    async saveOrder(order: Record<string, unknown>) {
      const created = !orders.has(Number(order.id));
      const saved = { ...order, date_modified_gmt: gmtNow(), date_modified: gmtNow() };
      orders.set(Number(order.id), saved);
      await deliver(created ? 'order.created' : 'order.updated', saved);
      return saved;
    },
    calls,
    rejected,
    refunds,
    status,
    faults,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** PHP's json_encode: `/` escaped as `\/`, every non-ASCII character as `\uXXXX`. */
export function phpJsonEncode(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
