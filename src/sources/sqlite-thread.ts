/**
 * The reader thread of one SQLite connection (sqlite-connection.ts): opens the file read-only, prepares, iterates,
 * converts and packs the rows (sqlite-rows.ts), so better-sqlite3's synchronous steps never run on the main thread. A result
 * goes out as transferred buffers, one batch per credit the main thread granted: with no credit left the thread
 * waits, so at most a few batches are ever in flight.
 */
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { MESSAGE_ROWS, SqliteRowPacker, SqliteValueError } from './sqlite-rows.js';
import type { FromSqliteThread, SqliteColumnInfo, SqliteStatementInfo, ToSqliteThread, WireError } from './sqlite-connection.js';

const port = parentPort;
if (port === null) throw new Error('sqlite-thread.ts runs as a worker thread');

let db: Database.Database | undefined;
let rows: IterableIterator<unknown[]> | undefined;
let credit = 0;
let packer: SqliteRowPacker | undefined;

function post(message: FromSqliteThread, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function wireError(error: unknown): WireError {
  const code = (error as { code?: unknown } | null)?.code;
  const failure = error instanceof SqliteValueError ? { value: error.failure } : {};
  return { message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}), ...failure };
}

function open(path: string): void {
  const handle = new Database(path, { readonly: true, fileMustExist: true });
  try {
    handle.pragma('schema_version'); // reads the header: a file that is no database fails here, not mid-export
  } catch (error) {
    handle.close();
    throw error;
  }
  db = handle;
}

function prepared(sql: string): { statement: Database.Statement; info: SqliteStatementInfo } {
  const statement = (db as Database.Database).prepare(sql);
  const readsOnly = statement.reader && statement.readonly;
  const columns: SqliteColumnInfo[] = readsOnly ? statement.columns().map((column) => ({ name: column.name, type: column.type })) : [];
  return { statement, info: { readsOnly, columns } };
}

function query(sql: string, values: unknown[], countTable: string | undefined, timeZone: string | undefined): SqliteStatementInfo {
  const { statement, info } = prepared(sql);
  if (!info.readsOnly) return info;
  packer = new SqliteRowPacker({ names: info.columns.map((c) => c.name), types: info.columns.map((c) => c.type), timeZone });
  statement.raw(true).safeIntegers(true);
  const estimatedRows = countTable === undefined ? undefined : Number((db as Database.Database).prepare(`SELECT count(*) FROM ${countTable}`).pluck().get());
  // Buffers arrive as plain Uint8Arrays; better-sqlite3 binds only Buffers as blobs.
  const bound = values.map((value) => (value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value) : value));
  rows = statement.iterate(...bound) as IterableIterator<unknown[]>;
  credit = 0;
  return { ...info, ...(estimatedRows === undefined ? {} : { estimatedRows }) };
}

/** Sends batches while there is credit; the last one is followed by `end`. */
function produce(): void {
  const out = packer as SqliteRowPacker;
  while (credit > 0 && rows !== undefined) {
    try {
      for (let next = rows.next(); !next.done; next = rows.next()) {
        out.add(next.value);
        if (out.rows === MESSAGE_ROWS) break;
      }
    } catch (error) {
      stop();
      out.clear();
      post({ type: 'failed', error: wireError(error) });
      return;
    }
    const { bytes, offsets, rows: count } = out.take();
    if (count > 0) {
      credit--;
      post({ type: 'rows', bytes, offsets, rows: count }, [bytes.buffer as ArrayBuffer, offsets.buffer as ArrayBuffer]);
    }
    if (count < MESSAGE_ROWS) {
      rows = undefined;
      post({ type: 'end' });
    }
  }
}

/** Resets the statement, ending its read transaction (outside a snapshot). */
function stop(): void {
  rows?.return?.();
  rows = undefined;
}

function handle(message: ToSqliteThread): unknown {
  switch (message.type) {
    case 'open':
      return open(message.path);
    case 'begin':
      return (db as Database.Database).exec('BEGIN');
    case 'commit':
      if (db?.inTransaction === true) db.exec('COMMIT');
      return undefined;
    case 'describe':
      return prepared(message.sql).info;
    case 'query':
      return query(message.sql, message.values, message.countTable, message.timeZone);
    case 'stop':
      return stop();
    case 'close':
      stop();
      db?.close();
      db = undefined;
      return undefined;
  }
}

port.on('message', (message: ToSqliteThread) => {
  if (message.type === 'more') {
    credit += message.batches;
    produce();
    return;
  }
  try {
    post({ type: 'reply', id: message.id, result: handle(message) });
  } catch (error) {
    post({ type: 'reply', id: message.id, error: wireError(error) });
  }
});
