// A real HTTP supplier for development, tests, benchmarks and chaos runs. It speaks the
// supplier format of seed 000 (POST /api/v1/orders with X-API-Key and Idempotency-Key; webhooks
// signed with X-Signature) and can be told to misbehave per order: latency, 5xx, 429 with
// Retry-After, 4xx rejections, slow responses after creating the order, partial or failed
// fulfilment, lost, duplicated, reordered or early webhooks. It counts every order it creates
// per client order id and per idempotency key, so duplicates are visible.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import type { AlphaOrder, AlphaWebhook } from '../suppliers/alpha-psn';

export interface Behaviour {
  /** Delay before answering any API call. */
  latencyMs?: number;
  /** Answer the next N order calls with this 5xx. */
  fail5xx?: { times: number; status?: number };
  /** Answer the next N order calls with 429 and Retry-After (seconds). */
  rateLimit?: { times: number; retryAfterSec: number };
  /** Reject the order with this 4xx. */
  reject?: { status: number; message: string };
  /** Hold an order call this long before creating the order: the caller may have given up by then. */
  createDelayMs?: number;
  /** Create the order, then hold the response this long (the caller's timeout fires first). */
  hangAfterCreateMs?: number;
  /** How the order ends. 'pending' never completes. */
  outcome?: 'delivered' | 'partial' | 'failed' | 'pending';
  /** Delay between accepting the order and completing it. */
  fulfilDelayMs?: number;
  /** What happens to the completion webhook. */
  webhook?: 'normal' | 'drop' | 'duplicate' | 'reorder' | 'beforeResponse';
  /** Pretend Idempotency-Key is unsupported (only the caller's lookup prevents duplicates). */
  ignoreIdempotencyKey?: boolean;
  /** Bill this much per unit instead of the catalogue cost (decimal string, USD). */
  unitCost?: string;
  /** Report codes as redeemed (true), not redeemed (false) or unknown (null). */
  redeemed?: boolean | null;
}

export interface SandboxOptions {
  apiKey: string;
  webhookSecret: string;
  /** Keep orders in this JSON file so a restart (Ctrl-C, then `npm start`) loses nothing. */
  stateFile?: string;
  /** Where completion webhooks go (the cardbridge API's supplier hook). */
  webhookUrl?: string;
  /** Default behaviour for orders no rule matches. */
  defaults?: Behaviour;
  balance?: string;
  /** Fixed unit cost per product (USD); default is the denomination less 8%. */
  costs?: Record<string, string>;
}

interface Rule {
  match: string;
  behaviour: Behaviour;
}

interface Stored {
  order: AlphaOrder;
  behaviour: Behaviour;
  idempotencyKey?: string;
}

export interface SandboxStats {
  requests: number;
  ordersCreated: number;
  byClientOrderId: Record<string, number>;
  byIdempotencyKey: Record<string, number>;
  webhooksSent: number;
  webhooksFailed: number;
  codesIssued: string[];
  /** Every POST /api/v1/orders: which order, when, and the status answered. */
  orderCalls: { externalOrderId: string; at: number; status: number }[];
}

const CATALOG: Record<string, { region: string; denomination: number }> = Object.fromEntries(
  ['US', 'GB', 'DE', 'FR', 'JP', 'SA', 'AE'].flatMap((region) =>
    [10, 20, 25, 50, 100].map((d) => [`PSN-${region}-${d}`, { region, denomination: d }]),
  ),
);

const orderBody = z.object({
  externalOrderId: z.string().min(1).max(100),
  lines: z
    .array(z.object({ sku: z.string().min(1), quantity: z.number().int().min(1).max(100) }))
    .min(1)
    .max(50),
});

export function createSandboxSupplier(opts: SandboxOptions) {
  const app = express();
  const rules: Rule[] = [];
  const orders = new Map<string, Stored>(); // by supplier order id
  const byExternal = new Map<string, string[]>();
  const byKey = new Map<string, string>();
  const stats: SandboxStats = {
    requests: 0,
    ordersCreated: 0,
    byClientOrderId: {},
    byIdempotencyKey: {},
    webhooksSent: 0,
    webhooksFailed: 0,
    codesIssued: [],
    orderCalls: [],
  };
  let balance = Number(opts.balance ?? '10000');
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const sleep = (ms: number) => new Promise<void>((r) => later(ms, r));

  /** The live behaviour object (counters such as fail5xx.times count down in place). */
  function behaviourFor(externalOrderId: string): Behaviour {
    return rules.find((r) => externalOrderId.includes(r.match))?.behaviour ?? (opts.defaults ??= {});
  }

  function unitCost(sku: string, behaviour: Behaviour): number {
    return Number(behaviour.unitCost ?? opts.costs?.[sku] ?? CATALOG[sku]!.denomination * 0.92);
  }

  function newCode(): string {
    const part = () => randomBytes(3).toString('hex').toUpperCase().slice(0, 4);
    const code = `${part()}-${part()}-${part()}-${part()}`;
    stats.codesIssued.push(code);
    return code;
  }

  async function sendWebhook(stored: Stored): Promise<void> {
    if (!opts.webhookUrl) return;
    const o = stored.order;
    const type: AlphaWebhook['type'] =
      o.status === 'completed'
        ? 'order.completed'
        : o.status === 'partially_completed'
          ? 'order.partially_completed'
          : o.status === 'failed'
            ? 'order.failed'
            : 'order.processing';
    const event: AlphaWebhook = {
      id: `evt_${randomUUID()}`,
      type,
      createdAt: new Date().toISOString(),
      data: o,
    };
    const body = JSON.stringify(event);
    const signature = createHmac('sha256', opts.webhookSecret).update(body).digest('hex');
    try {
      const res = await fetch(opts.webhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Signature': signature },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) stats.webhooksSent++;
      else stats.webhooksFailed++;
    } catch {
      stats.webhooksFailed++;
    }
  }

  let saveTimer: NodeJS.Timeout | undefined;
  function writeState(): void {
    if (!opts.stateFile) return;
    const state = { balance, orders: [...orders.values()] };
    writeFileSync(`${opts.stateFile}.tmp`, JSON.stringify(state));
    renameSync(`${opts.stateFile}.tmp`, opts.stateFile);
  }
  /** Saves at most every 200 ms (a full rewrite per order would be quadratic under load). */
  function persist(): void {
    if (!opts.stateFile || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      writeState();
    }, 200);
  }

  /** Reloads persisted orders; orders still processing complete (and send webhooks) again. */
  function restore(): void {
    if (!opts.stateFile || !existsSync(opts.stateFile)) return;
    const state = JSON.parse(readFileSync(opts.stateFile, 'utf8')) as { balance: number; orders: Stored[] };
    balance = state.balance;
    for (const stored of state.orders) {
      orders.set(stored.order.id, stored);
      const ext = stored.order.externalOrderId;
      byExternal.set(ext, [...(byExternal.get(ext) ?? []), stored.order.id]);
      if (stored.idempotencyKey) byKey.set(stored.idempotencyKey, stored.order.id);
      if (stored.order.status === 'processing') {
        later(stored.behaviour.fulfilDelayMs ?? 50, () => {
          complete(stored);
          if (stored.order.status !== 'processing') void deliverWebhooks(stored);
        });
      }
    }
  }

  function complete(stored: Stored): void {
    const outcome = stored.behaviour.outcome ?? 'delivered';
    if (outcome === 'pending') return;
    const o = stored.order;
    for (const [i, line] of o.lines.entries()) {
      const short =
        outcome === 'failed'
          ? line.quantity
          : outcome === 'partial' && i === o.lines.length - 1
            ? Math.ceil(line.quantity / 2)
            : 0;
      const fulfilled = line.quantity - short;
      line.codes = Array.from({ length: fulfilled }, () => ({ code: newCode() }));
      line.failedQuantity = short;
    }
    o.status =
      outcome === 'delivered' ? 'completed' : outcome === 'partial' ? 'partially_completed' : 'failed';
    // Only delivered units are billed; the rest goes back to the balance.
    const billed = o.lines.reduce((n, l) => n + unitCost(l.sku, stored.behaviour) * l.codes.length, 0);
    balance += Number(o.cost?.amount ?? 0) - billed;
    o.cost = { amount: billed.toFixed(2), currency: 'USD' };
    o.updatedAt = new Date().toISOString();
    persist();
  }

  async function deliverWebhooks(stored: Stored): Promise<void> {
    const mode = stored.behaviour.webhook ?? 'normal';
    if (mode === 'drop') return;
    if (mode === 'reorder') {
      // A stale "processing" event arrives after the final one.
      const stale: Stored = {
        ...stored,
        order: {
          ...stored.order,
          status: 'processing',
          lines: stored.order.lines.map((l) => ({ ...l, codes: [], failedQuantity: 0 })),
          updatedAt: stored.order.createdAt,
        },
      };
      await sendWebhook(stored);
      await sendWebhook(stale);
      return;
    }
    await sendWebhook(stored);
    if (mode === 'duplicate') {
      await sendWebhook(stored);
      await sendWebhook(stored);
    }
  }

  app.use((req, res, next) => {
    stats.requests++;
    if (req.path.startsWith('/__sandbox')) return next();
    if (req.get('x-api-key') !== opts.apiKey) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'invalid API key' } });
      return;
    }
    next();
  });
  app.use(express.json({ limit: '64kb' }));

  app.post('/api/v1/orders', async (req, res) => {
    const parsed = orderBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: { code: 'invalid_request', message: parsed.error.issues[0]?.message } });
      return;
    }
    const { externalOrderId, lines } = parsed.data;
    const behaviour = behaviourFor(externalOrderId);
    res.on('close', () => stats.orderCalls.push({ externalOrderId, at: Date.now(), status: res.statusCode }));
    if (behaviour.latencyMs) await sleep(behaviour.latencyMs);
    if (behaviour.createDelayMs) await sleep(behaviour.createDelayMs);
    if (behaviour.rateLimit && behaviour.rateLimit.times > 0) {
      behaviour.rateLimit.times--;
      res
        .status(429)
        .set('Retry-After', String(behaviour.rateLimit.retryAfterSec))
        .json({ error: { code: 'rate_limited' } });
      return;
    }
    if (behaviour.fail5xx && behaviour.fail5xx.times > 0) {
      behaviour.fail5xx.times--;
      res.status(behaviour.fail5xx.status ?? 503).json({ error: { code: 'unavailable' } });
      return;
    }
    if (behaviour.reject) {
      res
        .status(behaviour.reject.status)
        .json({ error: { code: 'rejected', message: behaviour.reject.message } });
      return;
    }
    const unknown = lines.find((l) => !CATALOG[l.sku]);
    if (unknown) {
      res.status(422).json({ error: { code: 'unknown_sku', message: `unknown product ${unknown.sku}` } });
      return;
    }
    const key = req.get('idempotency-key');
    if (key && !behaviour.ignoreIdempotencyKey) {
      const existing = byKey.get(key);
      if (existing) {
        res.status(200).json(orders.get(existing)!.order);
        return;
      }
    }
    const now = new Date().toISOString();
    const cost = lines.reduce((n, l) => n + unitCost(l.sku, behaviour) * l.quantity, 0);
    const order: AlphaOrder = {
      id: `ord_${randomUUID()}`,
      externalOrderId,
      status: 'processing',
      lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, codes: [], failedQuantity: 0 })),
      cost: { amount: cost.toFixed(2), currency: 'USD' },
      createdAt: now,
      updatedAt: now,
    };
    const stored: Stored = { order, behaviour, idempotencyKey: key };
    orders.set(order.id, stored);
    byExternal.set(externalOrderId, [...(byExternal.get(externalOrderId) ?? []), order.id]);
    persist();
    if (key) byKey.set(key, order.id);
    balance -= cost;
    stats.ordersCreated++;
    stats.byClientOrderId[externalOrderId] = (stats.byClientOrderId[externalOrderId] ?? 0) + 1;
    if (key) stats.byIdempotencyKey[key] = (stats.byIdempotencyKey[key] ?? 0) + 1;

    const snapshot = structuredClone(order);
    if (behaviour.webhook === 'beforeResponse') {
      complete(stored);
      await deliverWebhooks({ ...stored, behaviour: { ...behaviour, webhook: 'normal' } });
    } else {
      later(behaviour.fulfilDelayMs ?? 50, () => {
        complete(stored);
        if (stored.order.status !== 'processing') void deliverWebhooks(stored);
      });
    }
    if (behaviour.hangAfterCreateMs) await sleep(behaviour.hangAfterCreateMs);
    res.status(201).json(snapshot);
  });

  app.get('/api/v1/orders', async (req, res) => {
    const external = typeof req.query.externalOrderId === 'string' ? req.query.externalOrderId : undefined;
    const date = typeof req.query.date === 'string' ? req.query.date : undefined;
    if (external) {
      const b = behaviourFor(external);
      if (b.latencyMs) await sleep(b.latencyMs);
    }
    const list = [...orders.values()]
      .map((s) => s.order)
      .filter((o) => (external ? o.externalOrderId === external : true))
      .filter((o) => (date ? o.createdAt.startsWith(date) : true));
    res.json({ orders: list });
  });

  app.get('/api/v1/orders/:id/redemption', (req, res) => {
    const stored = orders.get(req.params.id);
    if (!stored) {
      res.status(404).json({ error: { code: 'not_found' } });
      return;
    }
    res.json({ redeemed: stored.behaviour.redeemed === undefined ? false : stored.behaviour.redeemed });
  });

  app.get('/api/v1/balance', (_req, res) => {
    res.json({ amount: balance.toFixed(2), currency: 'USD' });
  });

  // ---- control plane for tests and benchmarks (no API key; bind to loopback only)
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
  /** Re-send the completion webhooks of every order whose client order id contains `match`. */
  app.post('/__sandbox/resend', async (req, res) => {
    const { match, concurrency } = z
      .object({ match: z.string().min(1), concurrency: z.number().int().min(1).max(256).default(8) })
      .parse(req.body);
    res.json({ resent: await resendMatching(match, concurrency) });
  });

  async function resendMatching(match: string, concurrency: number): Promise<number> {
    const queue = [...orders.values()].filter(
      (s) => s.order.externalOrderId.includes(match) && s.order.status !== 'processing',
    );
    const total = queue.length;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let s = queue.shift(); s; s = queue.shift()) await sendWebhook(s);
      }),
    );
    return total;
  }

  return {
    app,
    stats,
    rules,
    /** Set behaviour for every order whose client order id contains `match`. */
    on(match: string, behaviour: Behaviour) {
      rules.unshift({ match, behaviour });
    },
    setBalance(amount: number) {
      balance = amount;
    },
    /** Re-price an order after the fact (a supplier billing correction), for reconciliation tests. */
    setCost(externalOrderId: string, amount: string) {
      for (const id of byExternal.get(externalOrderId) ?? []) {
        const o = orders.get(id)!.order;
        o.cost = { amount, currency: o.cost?.currency ?? 'USD' };
      }
    },
    setWebhookUrl(url: string) {
      opts.webhookUrl = url;
    },
    /** Re-send the completion webhook of an order (e.g. one that was dropped). */
    /** Completes orders that were left pending (outcome 'pending') and sends their webhooks. */
    async settle(
      externalOrderId: string,
      outcome: 'delivered' | 'partial' | 'failed' = 'delivered',
      { webhook = true }: { webhook?: boolean } = {},
    ) {
      for (const id of byExternal.get(externalOrderId) ?? []) {
        const stored = orders.get(id)!;
        stored.behaviour = { ...stored.behaviour, outcome, webhook: webhook ? 'normal' : 'drop' };
        complete(stored);
        await deliverWebhooks(stored);
      }
    },
    async resendWebhook(externalOrderId: string) {
      for (const id of byExternal.get(externalOrderId) ?? []) await sendWebhook(orders.get(id)!);
    },
    /** Re-send, `concurrency` at a time, the completion webhooks of every order matching `match`. */
    resendWebhooks: resendMatching,
    async listen(port = 0, host = '127.0.0.1') {
      restore();
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
          if (saveTimer) clearTimeout(saveTimer);
          writeState();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  };
}

export type SandboxSupplier = ReturnType<typeof createSandboxSupplier>;
