// The OpenAPI 3.1 document of the webhook API, generated from the same zod schemas the handlers
// parse with (z.toJSONSchema emits JSON Schema 2020-12, which is OpenAPI 3.1's dialect).
import { z } from 'zod';
import { STORE_ID } from '../shared/contract';
import { alphaWebhookSchema } from '../suppliers/alpha-psn';
import { kinguinWebhookSchema } from '../suppliers/kinguin';
import { PAYNUP_CONTENT_TYPES, paynupClaimsSchema } from './hooks/paynup';
import { pocketsflowEventSchema } from './hooks/pocketsflow';
import { standardEventSchema } from './hooks/standard';
import { wooOrderSchema } from '../storefront/woocommerce-order';

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
    outcome: {
      type: 'string',
      description:
        'started_or_signalled, signalled, already_closed; for WooCommerce also what was recorded instead: ' +
        'ignored_unpaid, ignored_topic, ignored_no_workflow, unreadable_json, unreadable_order, ...',
    },
    duplicate: { type: 'boolean', description: 'The event was already recorded; nothing was done.' },
    ignored: { type: 'string' },
    problems: {
      type: 'integer',
      description: 'WooCommerce: how many data problems the order was forwarded with (held for review).',
    },
    ping: { type: 'boolean' },
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
const storeParam = (storeIds?: readonly string[]) => ({
  name: 'storeId',
  in: 'path',
  required: true,
  description: 'The store, as configured in STORE_WEBHOOK_SECRETS.',
  schema: storeIds?.length
    ? { type: 'string', enum: [...storeIds] }
    : { type: 'string', pattern: STORE_ID.source, examples: ['demo'] },
});
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ required: true, content: { 'application/json': { schema } } });

export interface OpenApiOptions {
  /**
   * The configured store ids, listed as the only values of {storeId} (test mode: a generator such
   * as schemathesis then reaches the handlers instead of answering 404 for random ids).
   */
  storeIds?: readonly string[];
}

export function openApiDocument(opts: OpenApiOptions = {}): Json {
  const store = storeParam(opts.storeIds);
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
          summary: 'WooCommerce order webhooks (order.created, order.updated, order.deleted, order.restored)',
          description:
            'A paid order (processing/completed with date_paid; settle-later methods only when completed) starts or ' +
            'signals its workflow; an unpaid one only reaches an existing workflow. order.deleted (`{"id":N}`) and ' +
            'order.restored are status changes. A delivery whose signature verifies is always answered 2xx (WooCommerce ' +
            'disables a webhook after repeated failures and never re-sends): what cannot become a normal order is ' +
            'recorded and forwarded with problems for review; 503 only when Temporal is unavailable. ' +
            'The creation ping (form-encoded `webhook_id=N`, unsigned) answers 200.',
          parameters: [
            store,
            header('X-WC-Webhook-Signature', 'base64 HMAC-SHA256 of the raw body with the store secret.'),
            header(
              'X-WC-Webhook-Topic',
              'order.created, order.updated, order.deleted, order.restored, ...',
              false,
            ),
            header(
              'X-WC-Webhook-Resource',
              'order (with X-WC-Webhook-Event when the topic is missing).',
              false,
            ),
            header('X-WC-Webhook-Event', 'created, updated, deleted, restored.', false),
            header('X-WC-Webhook-ID', "The webhook's id in WooCommerce (logged).", false),
            header('X-WC-Webhook-Delivery-ID', 'Per delivery; not stable across identical events.', false),
            header('X-WC-Webhook-Source', 'The store URL (informational).', false),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  anyOf: [
                    ref('WooCommerceOrder'),
                    {
                      type: 'object',
                      required: ['id'],
                      properties: { id: { type: 'integer' } },
                      description: 'order.deleted (and possibly order.restored): only the order id.',
                    },
                  ],
                },
              },
              'application/x-www-form-urlencoded': {
                schema: { type: 'string', description: 'The creation ping: webhook_id=<n>.' },
              },
            },
          },
          responses: {
            '200': ok(
              'Ping, duplicate, or recorded without moving a workflow: unpaid order without workflow, topic not ' +
                'handled, body that names no order, workflow already closed.',
            ),
            '202': ok('Accepted: the workflow was started or signalled (possibly with problems to review).'),
            '404': err('Unknown store.'),
            ...common,
            '400': err('Not used after a valid signature (only for requests that were never verified).'),
            '401': err('Signature missing or wrong.'),
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
            store,
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
            store,
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
          parameters: [store],
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
              'The order cannot take this payment (unknown order, amount mismatch, a second transaction for an order ' +
                "already paid, or closed as cancelled/refunded/not_paid/skipped): Pay'nUp refunds the payment. A " +
                'payment for a closed or unknown order is also recorded as a review case.',
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
      '/webhooks/supplier/kinguin': {
        post: {
          summary: 'Kinguin-style supplier webhook (order.status): the order is looked up at once',
          parameters: [
            header(
              'X-Event-Secret',
              'A KINGUIN_WEBHOOK_SECRETS entry (Kinguin sends a fixed secret, no signature).',
            ),
            header('X-Event-Name', 'order.status; other events are acknowledged and ignored.'),
          ],
          requestBody: json(schemaOf(kinguinWebhookSchema)),
          responses: {
            '200': ok('Signalled, duplicate, ignored, or the order is already closed.'),
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
