/**
 * `sqlite:<path>` source (better-sqlite3). The file is opened `readonly` with `fileMustExist`, so
 * a missing file is an error and is never created, and no statement can write. better-sqlite3 is
 * synchronous: a batch is BATCH_ROWS steps of the statement's iterator (a millisecond or two),
 * and the cursor checks the abort signal between batches. A single statement reads one
 * consistent snapshot. One database handle per running query; one idle handle is kept. A snapshot
 * (snapshot.ts) runs several statements in one read transaction on one handle.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SheetpipeError } from '../errors.js';
import { BATCH_ROWS, BatchCursor } from './cursor.js';
import { instantMapper, type InstantMapper } from './datetime.js';
import { connectError, queryError } from './driver-errors.js';
import { OpenCursors } from './open-cursors.js';
import { sqliteColumn } from './sqlite-types.js';
import { notReadOnly } from './read-only-sql.js';
import { SnapshotLease, SnapshotSource, withConnection, type Lease } from './snapshot.js';
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
  readonly #perQuery: Lease<Database.Database> = {
    reuses: false,
    acquire: async () => this.take(),
    release: async (db) => this.#giveBack(db),
  };
  #idle: Database.Database | undefined;

  private constructor(path: string) {
    this.#path = path;
  }

  /** Opens the file read-only; SHEETPIPE_ERR_SOURCE_NOT_FOUND when it does not exist. */
  static open(path: string): SqliteSource {
    const source = new SqliteSource(path);
    source.#idle = source.#connect();
    return source;
  }

  #connect(): Database.Database {
    if (this.#path === '' || !existsSync(this.#path)) throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_NOT_FOUND', [JSON.stringify(this.#path)]);
    try {
      const db = new Database(this.#path, { readonly: true, fileMustExist: true });
      try {
        db.pragma('schema_version'); // reads the header: a file that is no database fails here, not mid-export
      } catch (error) {
        db.close();
        throw error;
      }
      return db;
    } catch (error) {
      throw connectError(`sqlite:${this.#path}`, error);
    }
  }

  /** @internal */
  take(): Database.Database {
    if (this.#open.closed) throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_CONNECT', [`sqlite:${this.#path}`, 'the source is closed']);
    const idle = this.#idle;
    this.#idle = undefined;
    return idle ?? this.#connect();
  }

  #giveBack(db: Database.Database): void {
    if (!this.#open.closed && this.#idle === undefined) this.#idle = db;
    else db.close();
  }

  /** @internal */
  forget(cursor: SqliteCursor): void {
    this.#open.forget(cursor);
  }

  query(request: QueryRequest): Promise<QueryCursor> {
    return this.#query(request, this.#perQuery);
  }

  /** Prepares the statement on a handle (see Source.describe); its columns are the cursor's, see sqliteColumns. */
  describe(request: QueryRequest): Promise<readonly SourceColumn[]> {
    return this.#describe(request, this.#perQuery);
  }

  async #describe(request: QueryRequest, lease: Lease<Database.Database>): Promise<readonly SourceColumn[]> {
    const { sql } = requestStatement(request, 'sqlite');
    const mapInstant = instantMapper(request.timeZone);
    return withConnection(lease, async (db) => sqliteColumns(readerStatement(db, sql), mapInstant).map((m) => m.column));
  }

  async #query(request: QueryRequest, lease: Lease<Database.Database>): Promise<QueryCursor> {
    const { sql, values } = requestStatement(request, 'sqlite');
    return this.#open.start(new SqliteCursor(this, lease, sql, values, instantMapper(request.timeZone), request.signal));
  }

  /**
   * One handle in one read transaction for several statements (see Source.snapshot). The transaction is deferred:
   * its snapshot is the database as of the first statement. In rollback-journal mode writers wait until it ends;
   * in WAL mode they go on, unseen by it.
   */
  async snapshot(): Promise<Source> {
    const db = this.take();
    try {
      db.exec('BEGIN');
    } catch (error) {
      this.#giveBack(db);
      throw queryError(error);
    }
    const lease = new SnapshotLease(`sqlite:${this.#path}`, db, async (handle: Database.Database) => {
      if (handle.inTransaction) handle.exec('COMMIT');
      this.#giveBack(handle);
    });
    const statements = { query: (request: QueryRequest) => this.#query(request, lease), describe: (request: QueryRequest) => this.#describe(request, lease) };
    return new SnapshotSource(this.kind, statements, () => lease.end());
  }

  async close(): Promise<void> {
    await this.#open.closeAll();
    this.#idle?.close();
    this.#idle = undefined;
  }
}

/**
 * Prepares `sql` and checks it reads: it returns rows (reader) and changes neither the file nor the connection
 * (readonly: ATTACH, PRAGMA x = y).
 * @throws SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY, or SQLite's error mapped by queryError (syntax, a missing table).
 */
function readerStatement(db: Database.Database, sql: string): Database.Statement {
  try {
    const statement = db.prepare(sql);
    if (!statement.reader || !statement.readonly) throw notReadOnly('SQLite describes the statement as returning no rows or as not read-only');
    return statement;
  } catch (error) {
    throw error instanceof SheetpipeError ? error : queryError(error);
  }
}

/**
 * Columns by declared type only (sqlite-types.ts), never by the values: an expression or a column declared without a
 * type is `unknown`, on the cursor as in describe, so the two always agree and a report's column checks (which let
 * `unknown` pass) are complete when they run on the describe.
 */
function sqliteColumns(statement: Database.Statement, mapInstant: InstantMapper): ReturnType<typeof sqliteColumn>[] {
  return statement.columns().map((column) => sqliteColumn(column.name, column.type, mapInstant));
}

class SqliteCursor extends BatchCursor {
  readonly #source: SqliteSource;
  readonly #lease: Lease<Database.Database>;
  readonly #sql: string;
  readonly #values: unknown[];
  readonly #mapInstant: InstantMapper;
  #db: Database.Database | undefined;
  #rows: IterableIterator<unknown[]> | undefined;

  constructor(source: SqliteSource, lease: Lease<Database.Database>, sql: string, values: unknown[], mapInstant: InstantMapper, signal: AbortSignal | undefined) {
    super(signal);
    this.#source = source;
    this.#lease = lease;
    this.#sql = sql;
    this.#values = values;
    this.#mapInstant = mapInstant;
  }

  protected async open(): Promise<void> {
    const db = await this.#lease.acquire();
    this.#db = db;
    const statement = readerStatement(db, this.#sql);
    try {
      statement.raw(true).safeIntegers(true);
      const mapped = sqliteColumns(statement, this.#mapInstant);
      this.columns = mapped.map((m) => m.column);
      this.converters = mapped.map((m) => m.converter);
      const table = tableOfQuery(this.#sql);
      if (table !== undefined) this.estimatedRows = Number(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get());
      this.#rows = statement.iterate(...this.#values) as IterableIterator<unknown[]>;
    } catch (error) {
      throw error instanceof SheetpipeError ? error : queryError(error);
    }
  }

  protected async read(): Promise<unknown[][] | undefined> {
    const rows = this.#rows;
    if (rows === undefined) return undefined;
    const batch: unknown[][] = [];
    try {
      for (let next = rows.next(); !next.done; next = rows.next()) {
        if (batch.push(next.value) === BATCH_ROWS) break;
      }
    } catch (error) {
      throw queryError(error);
    }
    if (batch.length < BATCH_ROWS) this.#rows = undefined;
    return batch.length === 0 ? undefined : batch;
  }

  /** Nothing runs between batches: the signal is checked before each one. */
  protected async cancelOnServer(): Promise<void> {}

  protected async release(): Promise<void> {
    this.#rows?.return?.(); // resets the statement, ending its read transaction (outside a snapshot)
    this.#rows = undefined;
    this.#source.forget(this);
    // A statement that failed to prepare leaves the snapshot's transaction intact: SQLite has no aborted state.
    if (this.#db !== undefined) await this.#lease.release(this.#db, true);
  }
}
