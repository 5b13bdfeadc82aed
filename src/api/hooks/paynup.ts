// Pay'nUp eGiftCertificate IPN (seed 003): the body is an HS256 JWT signed with our API key.
// We verify the signature (any active key, for rotation) and `exp`, require `iss` = our API id,
// and accept it only for an order we know whose amount matches. Pay'nUp reads the reply:
//   2xx  accepted (also a repeat we already recorded, or a late notice for a delivered order);
//   410  the order can no longer be fulfilled, so Pay'nUp refunds the customer: no workflow for
//        (store, orderNumber) or it has not received the order yet, the amount differs from the
//        order's total, or the workflow ended cancelled / refunded / not_paid / skipped;
//   5xx  we could not record it (Temporal unavailable): Pay'nUp sends it again (up to 5 times).
//   Other 4xx (bad signature, issuer, expired, malformed) are forgeries or broken tokens.
import { Router, type Request } from 'express';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { ORDER_ID } from '../../shared/contract';
import { toCents } from '../../shared/eligibility';
import { HttpError } from '../errors';
import type { OrderFacts } from '../gateway';
import { safeEqual } from '../verify';
import { bodyBytes, rawBody, requireContentType, toTemporal, webhookRateLimit } from './common';
import type { HookDeps } from './deps';

const money = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, 'must be an amount like "20" or "20.50"'));

/** The JWT's claims, after its signature and `exp` were verified. */
export const paynupClaimsSchema = z.object({
  jti: z.string().min(1).max(100).describe("Pay'nUp transaction number."),
  iss: z
    .string()
    .min(1)
    .max(100)
    .describe('API id that generated the transaction; must equal PAYNUP_API_ID.'),
  iat: z.number().optional(),
  exp: z.number().describe('Expiry, epoch seconds.'),
  orderNumber: z
    .union([z.string(), z.number().int().nonnegative()])
    .transform((v) => String(v))
    .pipe(z.string().regex(ORDER_ID, 'must be a usable order id'))
    .describe("The storefront's order number."),
  amount: money.describe("Order amount; must equal the order's total."),
  total: money.optional().describe('Amount including payment fees (informational).'),
  pin: z.string().optional().describe('eGiftCertificate PIN. Never logged, stored or forwarded.'),
  status: z.enum(['SOLD', 'USED']),
});
export type PaynupClaims = z.infer<typeof paynupClaimsSchema>;

export const PAYNUP_CONTENT_TYPES = [
  'application/jwt',
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
] as const;

const UNFULFILLABLE = new Set(['cancelled', 'refunded', 'not_paid', 'skipped']);

/** Verify with each active key; the first key whose signature matches decides. */
async function verifyToken(token: string, keys: readonly string[], toleranceMs: number): Promise<JWTPayload> {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token))
    throw new HttpError(400, 'malformed_token', 'The body is not a JWT.');
  for (const key of keys) {
    try {
      const { payload } = await jwtVerify(token, new TextEncoder().encode(key), {
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
        clockTolerance: Math.floor(toleranceMs / 1000),
      });
      return payload;
    } catch (err) {
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) continue;
      if (err instanceof joseErrors.JWTExpired)
        throw new HttpError(401, 'token_expired', 'The token has expired.');
      if (err instanceof joseErrors.JOSEAlgNotAllowed)
        throw new HttpError(401, 'bad_algorithm', 'Only HS256 tokens are accepted.');
      if (err instanceof joseErrors.JWTClaimValidationFailed)
        throw new HttpError(400, 'invalid_claims', `The token's claims are not valid (${err.claim}).`);
      if (err instanceof joseErrors.JOSEError)
        throw new HttpError(400, 'malformed_token', 'The token could not be read.');
      throw err;
    }
  }
  throw new HttpError(401, 'bad_signature', 'The token signature does not match any active API key.');
}

function gone(code: string, message: string): HttpError {
  return new HttpError(410, code, message);
}

/** 410 unless the order can still take this payment; undefined when it is closed but fulfilled. */
function judge(facts: OrderFacts | undefined, claims: PaynupClaims): void {
  if (!facts?.order)
    throw gone(
      'unknown_order',
      'cardbridge has no order with this number for this store; refund the payment.',
    );
  if (UNFULFILLABLE.has(facts.state ?? '') || (!facts.running && facts.executionStatus !== 'COMPLETED'))
    throw gone('order_closed', 'This order can no longer be fulfilled; refund the payment.');
  if (toCents(claims.amount) !== toCents(facts.order.total))
    throw gone('amount_mismatch', "The paid amount does not match the order's total; refund the payment.");
}

export function paynupRouter(deps: HookDeps): Router {
  const router = Router();
  router.post(
    '/:storeId',
    webhookRateLimit('paynup', deps.rateLimit),
    rawBody(deps.bodyLimit),
    async (req: Request<{ storeId: string }>, res) => {
      const { storeId } = req.params;
      if (!deps.storeSecrets(storeId))
        throw new HttpError(404, 'unknown_store', `Store "${storeId}" is not configured.`);
      if (!deps.paynup.apiKeys.length || !deps.paynup.apiId)
        throw new HttpError(
          404,
          'paynup_not_configured',
          "Pay'nUp is not configured (PAYNUP_API_ID, PAYNUP_API_KEYS).",
        );
      requireContentType(req, PAYNUP_CONTENT_TYPES);

      const token = bodyBytes(req).toString('utf8').trim();
      const payload = await verifyToken(token, deps.paynup.apiKeys, deps.toleranceMs);
      if (typeof payload.iss !== 'string' || !safeEqual(payload.iss, deps.paynup.apiId))
        throw new HttpError(401, 'bad_issuer', "The token was not issued for this Pay'nUp API id.");
      const claims = paynupClaimsSchema.parse(payload);
      const { orderNumber: orderId } = claims;
      const workflowId = deps.workflowId(storeId, orderId);

      // Repeats (same transaction, same status) are answered from the receipts.
      const receiptId = `paynup:${storeId}:${claims.jti}:${claims.status}`;
      if (await deps.receipts.seen('paynup', receiptId)) {
        res.status(200).json({ ok: true, duplicate: true });
        return;
      }
      judge(await toTemporal(req, () => deps.gateway.orderFacts(storeId, orderId)), claims);

      const paymentEventId = `paynup:${storeId}:${claims.jti}`;
      let outcome = await toTemporal(req, () =>
        deps.gateway.payment(storeId, orderId, {
          source: 'paynup',
          eventId: paymentEventId,
          amount: claims.amount,
          paymentMethod: 'paynup',
        }),
      );
      if (claims.status === 'USED' && outcome !== 'already_closed') {
        outcome = await toTemporal(req, () =>
          deps.gateway.redemption(storeId, orderId, {
            source: 'paynup',
            eventId: `${paymentEventId}:used`,
            state: 'used',
          }),
        );
      }
      if (outcome === 'already_closed') {
        // It closed between our look and the signal (or was already delivered): decide again.
        judge(await toTemporal(req, () => deps.gateway.orderFacts(storeId, orderId)), claims);
      }
      await deps.receipts.record({ provider: 'paynup', eventId: receiptId, storeId, workflowId, outcome });
      deps.metrics?.webhookAccepted('paynup');
      res.status(200).json({ ok: true, workflowId, outcome });
    },
  );
  return router;
}
