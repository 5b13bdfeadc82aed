// A local fake of the WooCommerce REST endpoints cardbridge calls (wc/v3 order notes, order
// update, refunds). It checks HTTP Basic auth with the consumer key/secret and records calls.
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
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
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
