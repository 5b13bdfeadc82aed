// The embedded default database: PostgreSQL compiled to WASM (PGlite), served on a local TCP
// port with the PostgreSQL wire protocol, so every process connects exactly as it would to a
// real server and the same migrations apply to both.
//
// PGlite is one backend session. Several client connections share it safely only if one
// client's extended-protocol exchange (Parse/Bind/Execute ... Sync) and any open transaction
// run without another client's messages in between. This server therefore groups each
// connection's messages up to Sync/Query and runs a group under one lock, and keeps the lock
// while that connection has a transaction open.
import { PGlite } from '@electric-sql/pglite';
import { createServer, type Socket } from 'node:net';

export interface EmbeddedDb {
  url: string;
  port: number;
  /** A copy of the whole database, for loadDataDir (a migrated template for tests). */
  dump(): Promise<Blob>;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const GSS_REQUEST = 80877104;

/**
 * dataDir undefined = in memory (tests). loadDataDir: start from a dump() instead of an empty
 * cluster (in memory only), which skips initdb: a fraction of a second instead of one or two.
 */
export async function startEmbeddedDb(opts: {
  dataDir?: string;
  port: number;
  loadDataDir?: Blob;
}): Promise<EmbeddedDb> {
  const db = await PGlite.create(opts.dataDir, opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {});
  let lock: Promise<void> = Promise.resolve();
  let owner: Connection | undefined; // connection holding an open transaction
  const sockets = new Set<Socket>();

  /** Runs fn when no other connection holds the database. */
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = lock.then(fn);
    lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  class Connection {
    private buffer = Buffer.alloc(0);
    private started = false;
    private group: Buffer[] = [];
    private chain: Promise<void> = Promise.resolve();
    private releaseTx: (() => void) | undefined;

    constructor(private readonly socket: Socket) {}

    onData(chunk: Buffer): void {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        if (!this.started) {
          if (this.buffer.length < 8) return;
          const len = this.buffer.readInt32BE(0);
          if (this.buffer.length < len) return;
          const code = this.buffer.readInt32BE(4);
          const msg = this.buffer.subarray(0, len);
          this.buffer = this.buffer.subarray(len);
          if (code === SSL_REQUEST || code === GSS_REQUEST) {
            this.socket.write('N');
            continue;
          }
          if (code === CANCEL_REQUEST) {
            this.socket.end();
            return;
          }
          this.started = true;
          this.enqueue([Buffer.from(msg)]);
          continue;
        }
        if (this.buffer.length < 5) return;
        const len = 1 + this.buffer.readInt32BE(1);
        if (this.buffer.length < len) return;
        const type = String.fromCharCode(this.buffer[0]!);
        const msg = Buffer.from(this.buffer.subarray(0, len));
        this.buffer = this.buffer.subarray(len);
        if (type === 'X') {
          this.socket.end();
          return;
        }
        this.group.push(msg);
        // Sync, simple Query, Flush and the COPY terminators end a unit of work.
        if (type === 'S' || type === 'Q' || type === 'H' || type === 'c' || type === 'f') {
          const group = this.group;
          this.group = [];
          this.enqueue(group);
        }
      }
    }

    private enqueue(messages: Buffer[]): void {
      this.chain = this.chain.then(() => this.run(messages)).catch((err: unknown) => this.fail(err));
    }

    private async run(messages: Buffer[]): Promise<void> {
      const work = async () => {
        for (const m of messages) {
          await db.execProtocolRawStream(new Uint8Array(m), {
            onRawData: (data) => {
              if (data.length && this.socket.writable) this.socket.write(Buffer.from(data));
            },
          });
        }
      };
      if (owner === this) {
        await work();
        if (!db.isInTransaction()) this.release();
        return;
      }
      // Wait for the database; if this unit opened a transaction, keep the database (not this
      // connection's queue) until a later unit of the same connection ends it.
      await new Promise<void>((resolveRun, rejectRun) => {
        void exclusive(async () => {
          try {
            await work();
          } catch (err) {
            rejectRun(err);
            return;
          }
          if (!db.isInTransaction()) return resolveRun();
          // eslint-disable-next-line @typescript-eslint/no-this-alias -- records which connection holds the transaction
          owner = this;
          const held = new Promise<void>((release) => (this.releaseTx = release));
          resolveRun();
          await held;
        });
      });
    }

    private release(): void {
      if (owner === this) owner = undefined;
      const r = this.releaseTx;
      this.releaseTx = undefined;
      r?.();
    }

    /** Client went away: roll back anything it left open and let others in. */
    async close(): Promise<void> {
      await this.chain;
      if (owner === this) {
        await db.exec('ROLLBACK').catch(() => undefined);
        this.release();
      }
    }

    private fail(err: unknown): void {
      this.socket.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const conn = new Connection(socket);
    socket.on('data', (chunk) => conn.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      void conn.close();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dump: () => exclusive(() => db.dumpDataDir('none')) as Promise<Blob>,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await lock;
      await db.close();
    },
  };
}
