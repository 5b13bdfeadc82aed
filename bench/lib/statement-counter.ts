// A PostgreSQL wire-protocol relay that counts the statements passing through it, for the counts
// phase: the API and the worker connect through it, so every statement they send is counted the
// same way on the embedded database and on PostgreSQL. Bytes are relayed unchanged; only the
// client's messages are read: a simple Query ('Q') is one statement, and so is an Execute ('E')
// of the extended protocol (Parse/Bind/Execute), classified by the first word of its SQL.
import { connect, createServer, type Socket } from 'node:net';

export type StatementCounts = Record<string, number>;

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

const firstWord = (sql: string) => (/^\s*([A-Za-z]+)/.exec(sql)?.[1] ?? '?').toUpperCase();
const cstring = (b: Buffer, at: number) => {
  const end = b.indexOf(0, at);
  return { text: b.toString('utf8', at, end), next: end + 1 };
};

export async function startStatementCounter(upstreamUrl: string) {
  const upstream = new URL(upstreamUrl);
  const counts: StatementCounts = {};
  const count = (kind: string) => (counts[kind] = (counts[kind] ?? 0) + 1);
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    const db = connect(Number(upstream.port || 5432), upstream.hostname);
    sockets.add(client).add(db);
    for (const s of [client, db]) {
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        db.destroy();
      });
    }
    db.pipe(client);
    const statements = new Map<string, string>(); // prepared statement name -> kind
    const portals = new Map<string, string>(); // portal name -> kind
    let buffer = Buffer.alloc(0);
    let startup = true;
    const read = (msg: Buffer) => {
      const type = String.fromCharCode(msg[0]!);
      if (type === 'Q') count(firstWord(cstring(msg, 5).text));
      else if (type === 'P') {
        const name = cstring(msg, 5);
        statements.set(name.text, firstWord(cstring(msg, name.next).text));
      } else if (type === 'B') {
        const portal = cstring(msg, 5);
        portals.set(portal.text, statements.get(cstring(msg, portal.next).text) ?? '?');
      } else if (type === 'E') count(portals.get(cstring(msg, 5).text) ?? '?');
    };
    client.on('data', (chunk: Buffer) => {
      db.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (startup) {
          // Untyped: an SSL/GSS request (answered 'N' by a server without TLS), then the startup.
          if (buffer.length < 8) return;
          const len = buffer.readInt32BE(0);
          if (buffer.length < len) return;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(len);
          if (code !== SSL_REQUEST && code !== GSS_REQUEST) startup = false;
          continue;
        }
        if (buffer.length < 5) return;
        const len = 1 + buffer.readInt32BE(1);
        if (buffer.length < len) return;
        read(buffer.subarray(0, len));
        buffer = buffer.subarray(len);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  url.searchParams.set('sslmode', 'disable');
  return {
    /** The database URL to give the processes whose statements are counted. */
    url: url.toString(),
    /** Statements so far, by first SQL word (SELECT, INSERT, BEGIN, ...). */
    snapshot: (): StatementCounts => ({ ...counts }),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What happened between two snapshots, with the total. */
export function countsBetween(before: StatementCounts, after: StatementCounts) {
  const byKind: StatementCounts = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) byKind[k] = v - (before[k] ?? 0);
  return { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
}
