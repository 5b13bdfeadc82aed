// The dashboard's numbers against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL):
// orders with known timestamps and statuses, then the exact counts per hour, ratio and median.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../src/db/client';
import { ensureStore } from '../src/db/demo-store';
import { loadDashboard } from '../src/api/admin/dashboard-queries';
import { niceScale } from '../src/api/admin/dashboard-chart';
import { dashboardPage, formatDuration, formatRate } from '../src/api/admin/dashboard-views';
import { startTestDatabase, type TestDatabase } from './support/stack';

let database: TestDatabase;
let db: Db;
const NOW = new Date('2030-01-02T12:30:00Z');
const at = (t: string) => new Date(`2030-01-0${t}Z`);

async function order(
  store: string,
  id: string,
  status: string,
  times: { paid?: string; delivered?: string; created?: string },
) {
  return db.order.create({
    data: {
      storeId: store,
      externalOrderId: id,
      workflowId: `fulfill:${store}:${id}`,
      status,
      channel: 'test',
      currency: 'USD',
      total: '10.00',
      paidAt: times.paid ? at(times.paid) : null,
      deliveredAt: times.delivered ? at(times.delivered) : null,
      createdAt: at(times.created ?? times.paid!),
    },
  });
}

beforeAll(async () => {
  database = await startTestDatabase();
  db = createDb(database.url);
  await ensureStore(db, { id: 'north' }, []);
  await ensureStore(db, { id: 'south' }, []);
  await order('north', 'A', 'delivered', { paid: '2T12:10:00', delivered: '2T12:11:00' }); // 60 s
  await order('north', 'B', 'delivered', { paid: '2T12:20:00', delivered: '2T12:22:00' }); // 120 s
  await order('north', 'C', 'delivered', { paid: '2T11:05:00', delivered: '2T11:15:00' }); // 600 s
  await order('north', 'D', 'refunded', { paid: '2T11:40:00' });
  await order('north', 'E', 'checking', { paid: '2T12:25:00' });
  const f = await order('north', 'F', 'in_review', { paid: '2T10:00:00' });
  await db.reviewCase.create({
    data: {
      orderId: f.id,
      workflowId: f.workflowId,
      reasonCode: 'SUPPLIER_DOWN',
      reason: 'test',
      status: 'decided',
      decision: 'retry',
      createdAt: at('2T10:05:00'),
      decidedAt: at('2T11:50:00'),
      dedupeKey: 'F/1',
    },
  });
  // Just before the 24 h window (hour-aligned: it starts at 2030-01-01 13:00).
  await order('north', 'G', 'delivered', { paid: '1T12:59:59', delivered: '1T13:30:00' });
  await order('north', 'H', 'skipped', { paid: '2T12:05:00' }); // nothing for us: left out
  await order('south', 'I', 'delivered', { paid: '2T12:01:00', delivered: '2T12:05:00' }); // 240 s
  await order('south', 'J', 'payment_without_order', { created: '2T09:30:00' });
  await order('south', 'K', 'ordering', { paid: '1T13:00:00' }); // the window's first instant
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.stop();
});

describe('dashboard queries', () => {
  it('counts the last 24 h of all stores: rate, ratio, median, outcomes per hour', async () => {
    const d = await loadDashboard(db, { window: '24h', store: null, now: NOW });
    expect(d.from.toISOString()).toBe('2030-01-01T13:00:00.000Z');
    expect(d.to.toISOString()).toBe('2030-01-02T13:00:00.000Z');
    expect(d.total).toEqual({
      store: null,
      received: 9,
      receivedLastHour: 5, // A, B, D, E, I (since 11:30)
      ordersPerMinute: 9 / (23.5 * 60),
      lastHourPerMinute: 5 / 60,
      delivered: 4,
      pending: 2,
      inReview: 2,
      failed: 1,
      successRatio: 0.8,
      medianDeliverySeconds: 180, // of 60, 120, 240, 600
      p90DeliverySeconds: 492,
    });
    expect(d.stores.map((s) => [s.store, s.received, s.successRatio, s.medianDeliverySeconds])).toEqual([
      ['north', 6, 0.75, 120],
      ['south', 3, 1, 240],
    ]);

    expect(d.buckets).toHaveLength(24);
    expect(d.buckets[0]).toEqual({
      hour: '2030-01-01T13:00Z',
      delivered: 0,
      pending: 1,
      inReview: 0,
      failed: 0,
      retries: 0,
    });
    const busy = d.buckets.filter((b) => b.delivered + b.pending + b.inReview + b.failed + b.retries > 0);
    expect(busy).toEqual([
      { hour: '2030-01-01T13:00Z', delivered: 0, pending: 1, inReview: 0, failed: 0, retries: 0 },
      { hour: '2030-01-02T09:00Z', delivered: 0, pending: 0, inReview: 1, failed: 0, retries: 0 },
      { hour: '2030-01-02T10:00Z', delivered: 0, pending: 0, inReview: 1, failed: 0, retries: 0 },
      { hour: '2030-01-02T11:00Z', delivered: 1, pending: 0, inReview: 0, failed: 1, retries: 1 },
      { hour: '2030-01-02T12:00Z', delivered: 3, pending: 1, inReview: 0, failed: 0, retries: 0 },
    ]);
    expect(d.rows.slice(0, 2)).toEqual([
      {
        hour: '2030-01-02T12:00Z',
        store: 'north',
        delivered: 2,
        pending: 1,
        inReview: 0,
        failed: 0,
        retries: 0,
      },
      {
        hour: '2030-01-02T12:00Z',
        store: 'south',
        delivered: 1,
        pending: 0,
        inReview: 0,
        failed: 0,
        retries: 0,
      },
    ]);
    expect(d.rows).toHaveLength(6);
  });

  it('filters by store and widens to 7 days', async () => {
    const south = await loadDashboard(db, { window: '24h', store: 'south', now: NOW });
    expect(south.total).toMatchObject({
      store: 'south',
      received: 3,
      delivered: 1,
      inReview: 1,
      pending: 1,
      successRatio: 1,
      medianDeliverySeconds: 240,
    });
    expect(south.stores.map((s) => s.store)).toEqual(['south']);
    expect(south.buckets.reduce((n, b) => n + b.retries, 0)).toBe(0);

    const week = await loadDashboard(db, { window: '7d', store: 'north', now: NOW });
    expect(week.buckets).toHaveLength(168);
    expect(week.total).toMatchObject({ received: 7, delivered: 4, medianDeliverySeconds: 360 }); // + G: 1860 s

    const none = await loadDashboard(db, { window: '6h', store: 'nobody', now: NOW });
    expect(none.total).toMatchObject({ received: 0, successRatio: null, medianDeliverySeconds: null });
    expect(none.buckets).toHaveLength(6);
    expect(none.rows).toEqual([]);
  });
});

describe('dashboard page', () => {
  it('draws one bar per hour with segments that add up, and escapes every name', async () => {
    const view = await loadDashboard(db, { window: '24h', store: null, now: NOW });
    view.stores[0]!.store = '<img src=x onerror=alert(1)>';
    const out = dashboardPage({ user: '<b>Eve</b>', csrf: 'c', view, storeIds: ['north', '"><script>'] });
    expect(out).not.toMatch(/<img src=x|<b>Eve|"><script>/);
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out.match(/<g data-hour=/g)).toHaveLength(24);
    const segs = [...out.matchAll(/data-outcome="(\w+)"\s+data-count="(\d+)"/g)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    expect(segs.sort()).toEqual(
      ['delivered=1', 'delivered=3', 'failed=1', 'inReview=1', 'inReview=1', 'pending=1', 'pending=1'].sort(),
    );
    expect(out).toContain('<b>80.0%</b>');
    expect(out).toContain('<b>3 min 0 s</b>');
  });

  it('formats rates, durations and axis steps', () => {
    expect([formatRate(0), formatRate(9 / 1410), formatRate(0.5), formatRate(12.34)]).toEqual([
      '0',
      '0.006',
      '0.50',
      '12.3',
    ]);
    expect([
      formatDuration(null),
      formatDuration(4.25),
      formatDuration(59.6),
      formatDuration(180),
      formatDuration(7260),
    ]).toEqual(['—', '4.3 s', '1 min 0 s', '3 min 0 s', '2 h 1 min']);
    expect([niceScale(0), niceScale(3), niceScale(13), niceScale(87)]).toEqual([
      { top: 1, step: 1 },
      { top: 3, step: 1 },
      { top: 15, step: 5 },
      { top: 100, step: 25 },
    ]);
  });
});
