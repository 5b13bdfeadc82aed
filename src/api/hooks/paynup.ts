// Pay'nUp eGiftCertificate IPN (seed 003): the body is an HS256 JWT signed with the store's API
// key (its own `paynup` entry, or the global default of a one-store install). We verify the
// signature (any active key, for rotation) and `exp`, require `iss` = the store's API id,
// and accept it only for an order we know whose amount matches. Pay'nUp reads the reply:
//   2xx  accepted (also a repeat we already recorded, or a late notice for a delivered order);
//   410  the order can no longer be fulfilled, so Pay'nUp refunds the customer: no workflow for
//        (store, orderNumber) or it has not received the order yet, the amount differs from the
//        order's total, the order already has another payment (a second transaction, new jti),
//        or the workflow ended cancelled / refunded / not_paid / skipped. A payment for a closed
//        or unknown order is also recorded as a review case, so ops see it (never silent);
//   5xx  we could not record it (Temporal unavailable): Pay'nUp sends it again (up to 5 times).
//   Other 4xx (bad signature, issuer, expired, malformed) are forgeries or broken tokens.
import { Router, type Request } from 'express';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { ORDER_ID } from '../../shared/contract';
import { currencyDecimals, toMinor } from '../../shared/money';
import { HttpError } from '../errors';
import type { OrderFacts } from '../gateway';
import { safeEqual } from '../verify';
import { bodyBytes, hookLimits, senderId, rawBody, requireContentType, toTemporal } from './common';
import type { HookDeps } from './deps';

const money = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(/^\d{1,9}(\.\d{1,3})?$/, 'must be an amount like "20", "20.50" or "20.500"'));

/** The JWT's claims, after its signature and `exp` were verified. */
export const paynupClaimsSchema = z.object({
  jti: senderId(100).describe("Pay'nUp transaction number."),
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

/** Why the payment cannot be taken, and whether ops must hear about it (a review case). */
interface Refusal {
  error: HttpError;
  late?: { reasonCode: 'PAYMENT_AFTER_CLOSE' | 'ORDER_MISSING'; state?: string };
}

/** Undefined when the order can take this payment; else the 410 and what to record. */
function judge(
  facts: OrderFacts | undefined,
  claims: PaynupClaims,
  paymentEventId: string,
): Refusal | undefined {
  if (!facts)
    return {
      error: gone(
        'unknown_order',
        'cardbridge has no order with this number for this store; refund the payment.',
      ),
      late: { reasonCode: 'ORDER_MISSING' },
    };
  const closed = !facts.running;
  if (UNFULFILLABLE.has(facts.state ?? '') || (closed && facts.executionStatus !== 'COMPLETED'))
    return {
      error: gone('order_closed', 'This order can no longer be fulfilled; refund the payment.'),
      late: { reasonCode: 'PAYMENT_AFTER_CLOSE', state: facts.state ?? facts.executionStatus.toLowerCase() },
    };
  if (!facts.order)
    return {
      error: gone('unknown_order', 'cardbridge has not received this order; refund the payment.'),
      ...(closed ? { late: { reasonCode: 'ORDER_MISSING' as const, state: facts.state } } : {}),
    };
  // A second transaction for an order that already has a payment is a double payment.
  if (facts.payments.some((id) => id !== paymentEventId))
    return { error: gone('already_paid', 'This order is already paid; refund this second payment.') };
  const decimals = currencyDecimals(facts.order.currency);
  const paid = toMinor(claims.amount, decimals);
  if (paid === null || paid !== toMinor(facts.order.total, decimals))
    return {
      error: gone('amount_mismatch', "The paid amount does not match the order's total; refund the payment."),
    };
  return undefined;
}

export function paynupRouter(deps: HookDeps): Router {
  const router = Router();
  const limits = hookLimits('paynup', deps.rateLimit);
  router.post('/:storeId', rawBody(deps.bodyLimit), async (req: Request<{ storeId: string }>, res) => {
    const { storeId } = req.params;
    const { claims, iat } = await limits.authenticate(req, res, async () => {
      if (!(await deps.storeSecrets(storeId)))
        throw new HttpError(404, 'unknown_store', `Store "${storeId}" is not configured.`);
      const creds = await deps.paynup(storeId);
      if (!creds)
        throw new HttpError(
          404,
          'paynup_not_configured',
          `Pay'nUp is not configured for store "${storeId}" (its "paynup" entry, or PAYNUP_API_ID/PAYNUP_API_KEYS).`,
        );
      requireContentType(req, PAYNUP_CONTENT_TYPES);
      const token = bodyBytes(req).toString('utf8').trim();
      const payload = await verifyToken(token, creds.apiKeys, deps.toleranceMs);
      if (typeof payload.iss !== 'string' || !safeEqual(payload.iss, creds.apiId))
        throw new HttpError(401, 'bad_issuer', "The token was not issued for this store's Pay'nUp API id.");
      return { claims: paynupClaimsSchema.parse(payload), iat: payload.iat };
    });
    const { orderNumber: orderId } = claims;
    const workflowId = deps.workflowId(storeId, orderId);

    // Repeats (same transaction, same status) are answered from the receipts.
    const receiptId = `paynup:${storeId}:${claims.jti}:${claims.status}`;
    if (await deps.receipts.seen('paynup', receiptId)) {
      res.status(200).json({ ok: true, duplicate: true });
      return;
    }
    const paymentEventId = `paynup:${storeId}:${claims.jti}`;
    const refuse = async (refusal: Refusal | undefined, facts: OrderFacts | undefined) => {
      if (!refusal) return;
      if (refusal.late)
        await deps.latePayments.record({
          provider: 'paynup',
          eventId: paymentEventId,
          storeId,
          orderId,
          workflowId,
          reasonCode: refusal.late.reasonCode,
          state: refusal.late.state,
          amount: claims.amount,
          currency: facts?.order?.currency,
          answered: "410 (Pay'nUp refunds the customer)",
        });
      else
        (req as Request & { log?: { warn(o: object, m: string): void } }).log?.warn(
          { orderId, workflowId, code: refusal.error.code, iat },
          "pay'nup payment refused",
        );
      throw refusal.error;
    };
    const look = async () => {
      const facts = await toTemporal(req, () => deps.gateway.orderFacts(storeId, orderId));
      await refuse(judge(facts, claims, paymentEventId), facts);
    };
    await look();

    // SOLD and USED are both the customer's payment: USED says their eGiftCertificate PIN was
    // spent on this order. It says nothing about the game code we deliver, so it is never sent
    // as a redemption of it (that would block every later refund as "code used").
    const outcome = await toTemporal(req, () =>
      deps.gateway.payment(storeId, orderId, {
        source: 'paynup',
        eventId: paymentEventId,
        amount: claims.amount,
        paymentMethod: 'paynup',
      }),
    );
    // It closed between our look and the signal (or was already delivered): decide again.
    if (outcome === 'already_closed') await look();
    await deps.receipts.record({ provider: 'paynup', eventId: receiptId, storeId, workflowId, outcome });
    deps.metrics?.webhookAccepted('paynup');
    res.status(200).json({ ok: true, workflowId, outcome });
  });
  return router;
}
