// A local fake of Pocketsflow's order list (seed 002: `GET /orders`, newest first, each order
// carrying metadata.woocommerce_order_id as set at checkout). Bearer API key only; anything
// else is 401 as an API would answer. Records every call.
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface FakePocketsflowOrder {
  id: string;
  status: 'pending' | 'completed' | 'refunded';
  amount: number;
  currency: string;
  metadata: { woocommerce_order_id: string | number };
  createdAt: string;
}

export async function startPocketsflowFake(apiKey: string) {
  const orders: FakePocketsflowOrder[] = [];
  const calls: { path: string; status: number }[] = [];
  const app = express();
  app.get('/v1/orders', (req, res) => {
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      calls.push({ path: req.url, status: 401 });
      res.status(401).json({ error: { code: 'unauthorized', message: 'Invalid API key.' } });
      return;
    }
    const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 20)));
    const page = Math.max(1, Number(req.query.page ?? 1));
    const newest = [...orders].reverse();
    calls.push({ path: req.url, status: 200 });
    res.json({
      data: newest.slice((page - 1) * limit, page * limit),
      hasMore: page * limit < newest.length,
    });
  });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    orders,
    calls,
    /** A checkout the buyer completed (its webhook is up to the test: sent, lost, ...). */
    complete(id: string, wooOrderId: number, amount: number) {
      const o: FakePocketsflowOrder = {
        id,
        status: 'completed',
        amount,
        currency: 'USD',
        metadata: { woocommerce_order_id: wooOrderId },
        createdAt: new Date().toISOString(),
      };
      orders.push(o);
      return o;
    },
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
