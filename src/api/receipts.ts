// Webhook receipts: (provider, eventId) is recorded after the event reached Temporal, so a
// re-delivery is answered from here and a failed delivery is retried by the sender.
//
// Every webhook request runs both statements, so they are plain SQL on the pool under Prisma:
// through the query builder (and its query compiler) they were the largest part of the hook's
// own CPU in a profile under P2's load (BENCHMARKS.md). They stay unnamed (no server-side
// prepared statement): the embedded database is one session shared by every connection, where
// two connections preparing the same name would collide. The table is `WebhookReceipt` in
// prisma/schema.prisma.
import { poolOf, type Db } from '../db/client';

export interface Receipts {
  seen(provider: string, eventId: string): Promise<boolean>;
  record(r: {
    provider: string;
    eventId: string;
    storeId?: string;
    workflowId?: string;
    outcome: string;
  }): Promise<void>;
}

/** PostgreSQL text cannot hold NUL: a sender's id with one must not turn into a 500. */
const storable = (s: string) => s.replace(/\0/g, '\uFFFD');

const SEEN = 'SELECT 1 FROM webhook_receipts WHERE provider = $1 AND event_id = $2 LIMIT 1';
const RECORD =
  'INSERT INTO webhook_receipts (provider, event_id, store_id, workflow_id, outcome) ' +
  'VALUES ($1, $2, $3, $4, $5) ON CONFLICT (provider, event_id) DO NOTHING';

export function createReceipts(db: Db): Receipts {
  const pool = poolOf(db);
  return {
    async seen(provider, eventId) {
      const { rowCount } = await pool.query(SEEN, [provider, storable(eventId)]);
      return (rowCount ?? 0) > 0;
    },
    async record(r) {
      await pool.query(RECORD, [
        r.provider,
        storable(r.eventId),
        r.storeId ?? null,
        r.workflowId ?? null,
        r.outcome,
      ]);
    },
  };
}

/** Receipts whose writes finish after the answer (see writeBehind). */
export interface AnsweredReceipts extends Receipts {
  /** Resolves once every receipt write started so far has finished (shutdown, tests). */
  settled(): Promise<void>;
}

type Receipt = Parameters<Receipts['record']>[0];

/**
 * The API's receipts: record() starts the write and returns, so the sender's answer does not
 * wait for a commit. The receipt only short-cuts a re-delivery, and the event it stands for
 * has already reached Temporal. A re-delivery that finds no receipt (the write failed, or the
 * process died first) is delivered to the workflow again, which ignores an event id it already
 * has; a crash between the Temporal call and an awaited write would leave the same gap. Until
 * its write lands, this process answers the event as seen.
 */
export function writeBehind(
  receipts: Receipts,
  onError: (err: unknown, receipt: Receipt) => void,
): AnsweredReceipts {
  const writing = new Map<string, Promise<void>>();
  const key = (provider: string, eventId: string) => `${provider}\n${eventId}`;
  return {
    async seen(provider, eventId) {
      return writing.has(key(provider, eventId)) || receipts.seen(provider, eventId);
    },
    record(r) {
      const k = key(r.provider, r.eventId);
      const write = receipts
        .record(r)
        .catch((err: unknown) => onError(err, r))
        .finally(() => {
          if (writing.get(k) === write) writing.delete(k);
        });
      writing.set(k, write);
      return Promise.resolve();
    },
    async settled() {
      await Promise.all(writing.values());
    },
  };
}
