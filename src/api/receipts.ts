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
