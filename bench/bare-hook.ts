// P2's baseline: the least a storefront hook can do. One Express endpoint that reads the raw
// body, checks the WooCommerce HMAC in constant time, parses the order id and starts the same
// workflow type (same payload codec) on the same server. No rate limit, no schema, no receipts.
import { createHmac, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../src/config';
import { fulfillmentWorkflowId } from '../src/shared/contract';
import { createPayloadCodec } from '../src/temporal/codec';

async function main() {
  const secret = process.env.BARE_WOO_SECRET ?? '';
  const taskQueue = process.env.BARE_TASK_QUEUE ?? 'bench-parked';
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const client = new Client({
    connection,
    dataConverter: { payloadCodecs: [createPayloadCodec(loadConfig({ NODE_ENV: 'test' }))] },
  });
  const app = express();
  app.post(
    '/webhooks/woocommerce/:storeId',
    express.raw({ type: '*/*', limit: '256kb' }),
    async (req, res) => {
      const body = req.body as Buffer;
      const given = Buffer.from(req.get('x-wc-webhook-signature') ?? '', 'base64');
      const want = createHmac('sha256', secret).update(body).digest();
      if (given.length !== want.length || !timingSafeEqual(given, want)) {
        res.status(401).json({ error: 'signature' });
        return;
      }
      const order = JSON.parse(body.toString('utf8')) as { id: number };
      const storeId = String(req.params.storeId);
      const workflowId = fulfillmentWorkflowId(storeId, String(order.id));
      try {
        await client.workflow.start('fulfillOrder', {
          workflowId,
          taskQueue,
          args: [{ storeId, orderId: String(order.id) }],
        });
        res.status(202).json({ ok: true, workflowId });
      } catch (err) {
        res.status(500).json({ error: (err as Error).message });
      }
    },
  );
  const server = app.listen(Number(process.env.BARE_PORT), '127.0.0.1', () => console.log('READY'));
  process.once('SIGTERM', () => {
    server.close();
    void connection.close().then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
