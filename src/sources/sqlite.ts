/**
 * `sqlite:<path>` source (better-sqlite3), read in a thread of its own per connection (sqlite-connection.ts): the
 * thread steps the statement, converts the values and packs them in the render workers' own format (sqlite-rows.ts);
 * the main thread forwards the bytes to the render workers (encoding `packed`), which copy them and render. The file is opened `readonly` with `fileMustExist`, so a
 * missing file is an error and is never created, and no statement can write. A single statement reads one
 * consistent snapshot. One connection per running query; one idle connection is kept. A snapshot (snapshot.ts) runs
 * several statements in one read transaction on one connection, so in one thread.
 */
import { existsSync } from 'node:fs';
import { SheetpipeError } from '../errors.js';
import { PACKED_ENCODING, packedCells } from '../xlsx/packed-encoding.js';
import { sameCell } from './convert.js';
import { EncodedCursor } from './cursor.js';
import { connectError, queryError } from './driver-errors.js';
import { OpenCursors } from './open-cursors.js';
import { notReadOnly } from './read-only-sql.js';
import { SnapshotLease, SnapshotSource, withConnection, type Lease } from './snapshot.js';
import { SqliteConnection, SqliteThreadError, type SqliteBatch, type SqliteStatementInfo } from './sqlite-connection.js';
import { valueFailureError } from './sqlite-rows.js';
import { sqliteColumn } from './sqlite-types.js';
import { instantMapper } from './datetime.js';
import { requestStatement, tableOfQuery } from './statement.js';
import type { QueryCursor, QueryRequest, Source, SourceColumn } from './types.js';

/** `sqlite:/abs/file.db`, `sqlite:relative.db` or `sqlite:///abs/file.db` -> the file path. */
export function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  return rest.startsWith('//') ? rest.slice(2) : rest;
}

export class SqliteSource implements Source {
  readonly kind = 'sqlite';
  readonly #path: string;
  readonly #open = new OpenCursors<SqliteCursor>();
  /** Each statement reads its own snapshot (SQLite's implicit read transaction). */
  readonly #perQuery: Lease<SqliteConnection> = {
    reuses: false,
    acquire: () => this.take(),
    release: (connection) => this.#giveBack(connection),
  };
  #idle: SqliteConnection | undefined;

  private constructor(path: string) {
    this.#path = path;
  }

  /** Opens the file read-only; SHEETPIPE_ERR_SOURCE_NOT_FOUND when it does not exist. */
  static async open(path: string): Promise<SqliteSource> {
    const source = new SqliteSource(path);
    source.#idle = await source.#connect();
    return source;
  }

  async #connect(): Promise<SqliteConnection> {
    if (this.#path === '' || !existsSync(this.#path)) throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_NOT_FOUND', [JSON.stringify(this.#path)]);
    try {
      return await SqliteConnection.open(this.#path);
    } catch (error) {
      throw connectError(`sqlite:${this.#path}`, error);
    }
  }

  /** @internal */
  async take(): Promise<SqliteConnection> {
    if (this.#open.closed) throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_CONNECT', [`sqlite:${this.#path}`, 'the source is closed']);
    const idle = this.#idle;
    this.#idle = undefined;
    return idle ?? this.#connect();
  }

  async #giveBack(connection: SqliteConnection): Promise<void> {
    if (!this.#open.closed && this.#idle === undefined && connection.alive) this.#idle = connection;
    else await connection.close();
  }

  /** @internal */
  forget(cursor: SqliteCursor): void {
    this.#open.forget(cursor);
  }

  query(request: QueryRequest): Promise<QueryCursor> {
    return this.#query(request, this.#perQuery);
  }

  /** Prepares the statement in a connection's thread (see Source.describe); its columns are the cursor's. */
  describe(request: QueryRequest): Promise<readonly SourceColumn[]> {
    return this.#describe(request, this.#perQuery);
  }

  async #describe(request: QueryRequest, lease: Lease<SqliteConnection>): Promise<readonly SourceColumn[]> {
    const { sql } = requestStatement(request, 'sqlite');
    instantMapper(request.timeZone); // an unknown zone fails before the statement is prepared
    return withConnection(lease, async (connection) => sqliteColumns(await readerStatement(connection.request({ type: 'describe', sql })), request.timeZone));
  }

  async #query(request: QueryRequest, lease: Lease<SqliteConnection>): Promise<QueryCursor> {
    const { sql, values } = requestStatement(request, 'sqlite');
    instantMapper(request.timeZone); // an unknown zone fails here, before any connection is taken
    return this.#open.start(new SqliteCursor(this, lease, sql, values, request.timeZone, request.signal));
  }

  /**
   * One connection in one read transaction for several statements (see Source.snapshot). The transaction is deferred:
   * its snapshot is the database as of the first statement. In rollback-journal mode writers wait until it ends;
   * in WAL mode they go on, unseen by it.
   */
  async snapshot(): Promise<Source> {
    const connection = await this.take();
    try {
      await connection.request({ type: 'begin' });
    } catch (error) {
      await this.#giveBack(connection);
      throw queryError(error);
    }
    const lease = new SnapshotLease(`sqlite:${this.#path}`, connection, async (held: SqliteConnection) => {
      await held.request({ type: 'commit' });
      await this.#giveBack(held);
    });
    const statements = { query: (request: QueryRequest) => this.#query(request, lease), describe: (request: QueryRequest) => this.#describe(request, lease) };
    return new SnapshotSource(this.kind, statements, () => lease.end());
  }

  async close(): Promise<void> {
    await this.#open.closeAll();
    const idle = this.#idle;
    this.#idle = undefined;
    await idle?.close();
  }
}

/**
 * What the thread said of the prepared statement, once it is known to read: it returns rows (reader) and changes
 * neither the file nor the connection (readonly: ATTACH, PRAGMA x = y).
 * @throws SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY, or SQLite's error mapped by queryError (syntax, a missing table).
 */
async function readerStatement(prepared: Promise<unknown>): Promise<SqliteStatementInfo> {
  let info: SqliteStatementInfo;
  try {
    info = (await prepared) as SqliteStatementInfo;
  } catch (error) {
    throw queryError(error);
  }
  if (!info.readsOnly) throw notReadOnly('SQLite describes the statement as returning no rows or as not read-only');
  return info;
}

/**
 * Columns by declared type only (sqlite-types.ts), never by the values: an expression or a column declared without a
 * type is `unknown`, on the cursor as in describe, so the two always agree and a report's column checks (which let
 * `unknown` pass) are complete when they run on the describe.
 */
function sqliteColumns(info: SqliteStatementInfo, timeZone: string | undefined): SourceColumn[] {
  const mapInstant = instantMapper(timeZone);
  return info.columns.map((column) => sqliteColumn(column.name, column.type, mapInstant).column);
}

class SqliteCursor extends EncodedCursor {
  protected readonly encoding = PACKED_ENCODING;
  readonly #source: SqliteSource;
  readonly #lease: Lease<SqliteConnection>;
  readonly #sql: string;
  readonly #values: unknown[];
  readonly #timeZone: string | undefined;
  #connection: SqliteConnection | undefined;
  /** The statement runs in the thread until its last batch arrived or it was stopped. */
  #running = false;

  constructor(source: SqliteSource, lease: Lease<SqliteConnection>, sql: string, values: unknown[], timeZone: string | undefined, signal: AbortSignal | undefined) {
    super(signal);
    this.#source = source;
    this.#lease = lease;
    this.#sql = sql;
    this.#values = values;
    this.#timeZone = timeZone;
  }

  protected async open(): Promise<void> {
    const connection = await this.#lease.acquire();
    this.#connection = connection;
    const table = tableOfQuery(this.#sql);
    const info = await readerStatement(connection.query(this.#sql, this.#values, table, this.#timeZone));
    this.#running = true;
    this.columns = sqliteColumns(info, this.#timeZone);
    // The reader thread converted the values already.
    this.converters = this.columns.map(() => sameCell);
    if (info.estimatedRows !== undefined) this.estimatedRows = info.estimatedRows;
  }

  protected async nextRaw(): Promise<SqliteBatch | undefined> {
    if (!this.#running) return undefined;
    let batch: SqliteBatch | undefined;
    try {
      batch = await (this.#connection as SqliteConnection).next();
    } catch (error) {
      this.#running = false;
      throw error instanceof SqliteThreadError && error.value !== undefined ? valueFailureError(error.value) : queryError(error);
    }
    if (batch === undefined) this.#running = false;
    return batch;
  }

  protected rawValues(bytes: Uint8Array, start: number, end: number): unknown[] {
    return packedCells(bytes, start, end);
  }

  /** The thread stops between batches: release resets the statement. */
  protected async cancelOnServer(): Promise<void> {}

  protected async release(): Promise<void> {
    this.#source.forget(this);
    const connection = this.#connection;
    if (connection === undefined) return;
    let clean = true;
    // Resets the statement, ending its read transaction (outside a snapshot); a thread that failed is not reused.
    if (this.#running) clean = await connection.stop().then(() => true, () => false);
    this.#running = false;
    // A statement that failed to prepare leaves the snapshot's transaction intact: SQLite has no aborted state.
    await this.#lease.release(connection, clean);
  }
}
