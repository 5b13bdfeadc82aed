// Builds WooCommerce REST-shaped order payloads and posts them signed, as WooCommerce does.
import { createHmac } from 'node:crypto';

export interface WooLine {
  sku: string;
  quantity: number;
  total: string;
}

export function wooOrder(id: number, lines: WooLine[], extra: Record<string, unknown> = {}) {
  const total = lines.reduce((n, l) => n + Number(l.total), 0).toFixed(2);
  return {
    id,
    status: 'processing',
    currency: 'USD',
    total,
    payment_method: 'stripe',
    date_paid: new Date().toISOString(),
    billing: { email: `buyer${id}@example.test` },
    line_items: lines.map((l, i) => ({
      id: i + 100,
      name: l.sku,
      sku: l.sku,
      quantity: l.quantity,
      total: l.total,
      price: Number(l.total) / l.quantity,
    })),
    meta_data: [] as { key: string; value: unknown }[],
    ...extra,
  };
}

export function wooSignature(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

export async function postWoo(
  apiUrl: string,
  storeId: string,
  payload: unknown,
  secret = 'test-woo-secret-new-0002',
) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const res = await fetch(`${apiUrl}/webhooks/woocommerce/${storeId}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-WC-Webhook-Topic': 'order.updated',
      'X-WC-Webhook-Signature': wooSignature(body, secret),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every header WooCommerce's WC_Webhook::deliver() sends with a delivery. */
export function wooDeliveryHeaders(
  body: string | Buffer,
  opts: { topic: string; secret?: string; webhookId?: number; deliveryId?: string },
): Record<string, string> {
  const [resource = '', event = ''] = opts.topic.split('.');
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)',
    'X-WC-Webhook-Source': 'https://shop.example.com/',
    'X-WC-Webhook-Topic': opts.topic,
    'X-WC-Webhook-Resource': resource,
    'X-WC-Webhook-Event': event,
    'X-WC-Webhook-Signature': createHmac('sha256', opts.secret ?? 'test-woo-secret-new-0002')
      .update(body)
      .digest('base64'),
    'X-WC-Webhook-ID': String(opts.webhookId ?? 12),
    // wp_hash(id . time): a different value on every delivery.
    'X-WC-Webhook-Delivery-ID':
      opts.deliveryId ?? createHmac('md5', 'wp').update(`${Math.random()}`).digest('hex'),
  };
}
