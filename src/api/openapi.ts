// The OpenAPI 3.1 document of the webhook API, generated from the same zod schemas the handlers
// parse with (z.toJSONSchema emits JSON Schema 2020-12, which is OpenAPI 3.1's dialect).
import { z } from 'zod';
import { alphaWebhookSchema } from '../suppliers/alpha-psn';
import { PAYNUP_CONTENT_TYPES, paynupClaimsSchema } from './hooks/paynup';
import { pocketsflowEventSchema } from './hooks/pocketsflow';
import { standardEventSchema } from './hooks/standard';
import { wooOrderSchema } from './hooks/woocommerce';

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  delete json.$schema;
  return json;
}

const errorSchema: Json = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'requestId'],
      properties: {
        code: { type: 'string', examples: ['bad_signature'] },
        message: { type: 'string' },
        requestId: { type: 'string', description: 'Also in the X-Request-Id header; find it in our logs.' },
        fields: {
          type: 'array',
          description: 'For invalid bodies: which field is wrong and why.',
          items: {
            type: 'object',
            required: ['path', 'message'],
            properties: { path: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};

const accepted: Json = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    workflowId: { type: 'string' },
    outcome: { type: 'string', enum: ['started_or_signalled', 'signalled', 'already_closed'] },
    duplicate: { type: 'boolean', description: 'The event was already recorded; nothing was done.' },
    ignored: { type: 'string' },
  },
};

const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const ok = (description: string) => ({ description, content: { 'application/json': { schema: accepted } } });

const common = {
  '400': err('Malformed JSON or a body that does not match the schema (`fields` lists the paths).'),
  '401': err('Signature missing or wrong, or the timestamp is outside the window.'),
  '413': err('The body is larger than API_BODY_LIMIT.'),
  '415': err('Wrong Content-Type.'),
  '429': err('Rate limit per (provider, store, client IP) reached.'),
  '500': err('Unexpected error; no stack trace, only the request id.'),
  '503': err('The event could not be recorded (Temporal unavailable): send it again.'),
};

const header = (name: string, description: string, required = true) => ({
  name,
  in: 'header',
  required,
  description,
  schema: { type: 'string' },
});
const storeParam = {
  name: 'storeId',
  in: 'path',
  required: true,
  description: 'The store, as configured in STORE_WEBHOOK_SECRETS.',
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' },
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ required: true, content: { 'application/json': { schema } } });

export function openApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'cardbridge webhook API',
      version: '1',
      description:
        'Every endpoint verifies the raw body before parsing it, answers fast after one Temporal start or signal, ' +
        'and deduplicates deliveries by event id in the database. Errors share one shape.',
    },
    paths: {
      '/webhooks/woocommerce/{storeId}': {
        post: {
          summary: 'WooCommerce order.created / order.updated',
          description:
            'A paid order (processing, completed) starts or signals its workflow; other statuses are acknowledged ' +
            'and start nothing. The creation ping (form-encoded `webhook_id=N`) answers 200.',
          parameters: [
            storeParam,
            header('X-WC-Webhook-Signature', 'base64 HMAC-SHA256 of the raw body with the store secret.'),
            header('X-WC-Webhook-Topic', 'e.g. order.updated (informational).', false),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('WooCommerceOrder') },
              'application/x-www-form-urlencoded': {
                schema: { type: 'string', description: 'The creation ping: webhook_id=<n>.' },
              },
            },
          },
          responses: {
            '200': ok('Ping, duplicate, or an unpaid order (ignored).'),
            '202': ok('Accepted: the workflow was started or signalled.'),
            '404': err('Unknown store.'),
            ...common,
          },
        },
      },
      '/webhooks/standard/{storeId}': {
        post: {
          summary: 'Signed JSON (Standard Webhooks) for Magento, headless and custom storefronts',
          description:
            'Signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`. An order event starts or signals the ' +
            "order's workflow (paid: false makes it wait for a payment event); payment.succeeded is a payment.",
          parameters: [
            storeParam,
            header('webhook-id', 'Unique event id; the dedupe key.'),
            header('webhook-timestamp', 'Epoch seconds; must be within WEBHOOK_TOLERANCE of now.'),
            header(
              'webhook-signature',
              'Space-separated `v1,<base64 HMAC-SHA256>` entries, one per active secret (whsec_<base64>).',
            ),
          ],
          requestBody: json(ref('StandardEvent')),
          responses: {
            '200': ok('Duplicate (already recorded).'),
            '202': ok('Accepted.'),
            '404': err('Unknown store.'),
            ...common,
          },
        },
      },
      '/webhooks/pocketsflow/{storeId}': {
        post: {
          summary: 'Pocketsflow order.completed (a payment)',
          parameters: [
            storeParam,
            header('X-Pocketsflow-Signature', 'hex HMAC-SHA256 of the raw body with the signing secret.'),
            header('X-Pocketsflow-Timestamp', 'Send time, epoch milliseconds; within WEBHOOK_TOLERANCE.'),
            header('X-Pocketsflow-Event', 'order.completed is handled; other events are acknowledged (200).'),
          ],
          requestBody: json(ref('PocketsflowOrderCompleted')),
          responses: {
            '200': ok('Duplicate, or an event type that is not handled.'),
            '202': ok('Accepted (signal-with-start: before or after the order event).'),
            '404': err('Unknown store.'),
            ...common,
          },
        },
      },
      '/webhooks/paynup/{storeId}': {
        post: {
          summary: "Pay'nUp eGiftCertificate IPN",
          description:
            "The body is an HS256 JWT signed with a Pay'nUp API key (PAYNUP_API_KEYS); claims below. `iss` must equal " +
            "PAYNUP_API_ID and `amount` the order's total. SOLD is a payment; USED is a payment plus redemption.",
          parameters: [storeParam],
          requestBody: {
            required: true,
            content: Object.fromEntries(
              PAYNUP_CONTENT_TYPES.map((t) => [
                t,
                {
                  schema: {
                    type: 'string',
                    contentMediaType: 'application/jwt',
                    contentSchema: { $ref: '#/components/schemas/PaynupClaims' },
                  },
                },
              ]),
            ),
          },
          responses: {
            '200': ok('Accepted (also a repeat, or a late notice for a delivered order).'),
            '404': err("Unknown store, or Pay'nUp not configured."),
            '410': err(
              'The order cannot be fulfilled (unknown order, amount mismatch, or closed as cancelled/refunded/' +
                "not_paid/skipped): Pay'nUp refunds the payment.",
            ),
            ...common,
            '401': err('Bad signature, wrong issuer, or expired token.'),
          },
        },
      },
      '/webhooks/supplier': {
        post: {
          summary: 'Supplier order webhook (delivered, partial, failed)',
          parameters: [
            header('X-Signature', 'hex HMAC-SHA256 of the raw body with a SUPPLIER_WEBHOOK_SECRETS entry.'),
          ],
          requestBody: json(ref('SupplierWebhook')),
          responses: {
            '200': ok('Signalled, duplicate, or the order is already closed.'),
            '404': err('The event names an order cardbridge did not place.'),
            ...common,
          },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', responses: { '200': { description: 'The process is up.' } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: Temporal and the database answer',
          responses: {
            '200': { description: 'Ready.' },
            '503': { description: 'Temporal or the database is unavailable (the body says which).' },
          },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
    components: {
      schemas: {
        Error: errorSchema,
        WooCommerceOrder: schemaOf(wooOrderSchema),
        StandardEvent: schemaOf(standardEventSchema),
        PocketsflowOrderCompleted: schemaOf(pocketsflowEventSchema),
        PaynupClaims: schemaOf(paynupClaimsSchema),
        SupplierWebhook: schemaOf(alphaWebhookSchema),
      },
    },
  };
}
