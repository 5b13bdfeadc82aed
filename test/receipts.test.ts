// The API's write-behind receipts (src/api/receipts.ts writeBehind), in isolation: the answer
// never waits for the write, the same event is seen meanwhile, and a failed write is reported.
// That receipts really reach the database is shown by the API suites (stack.receipts.settled()).
import { describe, expect, it } from 'vitest';
import { writeBehind, type Receipts } from '../src/api/receipts';

/** Receipts whose writes wait until released; what was written is kept. */
function heldReceipts(fail = false) {
  const written = new Set<string>();
  const waiting: (() => void)[] = [];
  const inner: Receipts = {
    seen: async (provider, eventId) => written.has(`${provider}:${eventId}`),
    record: (r) =>
      new Promise<void>((resolve, reject) => {
        waiting.push(() => {
          if (fail) return reject(new Error('database gone'));
          written.add(`${r.provider}:${r.eventId}`);
          resolve();
        });
      }),
  };
  return { inner, written, release: () => waiting.splice(0).forEach((go) => go()) };
}

const receipt = { provider: 'woocommerce', eventId: 'woo:demo:abc', outcome: 'started_or_signalled' };

describe('write-behind receipts', () => {
  it('answers before the write lands, and sees the event meanwhile', async () => {
    const held = heldReceipts();
    const errors: unknown[] = [];
    const receipts = writeBehind(held.inner, (err) => errors.push(err));
    await receipts.record(receipt); // resolves although the write is held
    expect(held.written.size).toBe(0);
    expect(await receipts.seen('woocommerce', 'woo:demo:abc')).toBe(true);
    expect(await receipts.seen('woocommerce', 'woo:demo:other')).toBe(false);
    let settled = false;
    const done = receipts.settled().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    held.release();
    await done;
    expect([...held.written]).toEqual(['woocommerce:woo:demo:abc']);
    expect(await receipts.seen('woocommerce', 'woo:demo:abc')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('reports a failed write, and then no longer claims the event was seen', async () => {
    const held = heldReceipts(true);
    const failed: { err: unknown; eventId: string }[] = [];
    const receipts = writeBehind(held.inner, (err, r) => failed.push({ err, eventId: r.eventId }));
    await receipts.record(receipt);
    held.release();
    await receipts.settled();
    expect(failed).toEqual([{ err: new Error('database gone'), eventId: 'woo:demo:abc' }]);
    // A re-delivery goes through again: the workflow ignores an event id it already has.
    expect(await receipts.seen('woocommerce', 'woo:demo:abc')).toBe(false);
  });
});
