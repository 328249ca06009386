/**
 * `mysql://` / `mariadb://` source. Each query runs on its own connection in a
 * `START TRANSACTION READ ONLY` at REPEATABLE READ, as a server-side prepared statement (values
 * bound by the server, one statement only) whose rows are framed as the server sent them (mysql-wire.ts) and decoded
 * by whichever thread writes them (mysql-rows.ts): the socket is paused while the cursor is behind, so rows are never
 * buffered client-side. The session
 * time zone is UTC, so nothing depends on the process's zone. Cancellation runs
 * `KILL QUERY <thread id>` from a second connection. A query's connection is closed when it ends.
 * A snapshot (snapshot.ts) runs several queries in one `WITH CONSISTENT SNAPSHOT, READ ONLY`
 * transaction on one connection.
 */
import mysql from 'mysql2';
import type { Connection, ConnectionOptions, FieldPacket } from 'mysql2';
import { SheetpipeError } from '../errors.js';
import { EncodedCursor } from './cursor.js';
import { instantMapper } from './datetime.js';
import { authError, connectError, messageOf, queryError, redactUrl } from './driver-errors.js';
import { columnDef, MYSQL_BINARY_ENCODING, mysqlConverters, MysqlRowReader, type MysqlBinarySpec } from './mysql-rows.js';
import { mysqlColumn } from './mysql-types.js';
import { MysqlWireStatement, type PreparedStatement, type WireBatch } from './mysql-wire.js';
import { OpenCursors } from './open-cursors.js';
import { describeMysql, requireResultColumns } from './mysql-describe.js';
import { SnapshotLease, SnapshotSource, type Lease } from './snapshot.js';
import { requestStatement } from './statement.js';
import type { QueryCursor, QueryRequest, Source, SourceColumn } from './types.js';

/** Access denied (1045), no access to the database (1044), no password given (1698). */
const AUTH_ERRNOS = new Set([1044, 1045, 1698]);
const broken = new WeakSet<Connection>();
/** What mysql2 adds to a server error (its typings omit `sqlMessage`). */
type ServerError = { readonly errno?: number; readonly sqlMessage?: string };
const ignore = (): void => {};

/** Connection options for a mysql:// URL (also used by `sheetpipe check`). */
export function mysqlOptions(url: string, target = redactUrl(url)): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_URL', [target, 'expected mysql://USER:PASSWORD@HOST:PORT/DATABASE'], { cause: error });
  }
  const decode = (part: string): string | undefined => (part === '' ? undefined : decodeURIComponent(part));
  const options: ConnectionOptions = {
    host: decode(parsed.hostname.replace(/^\[|\]$/g, '')) ?? 'localhost',
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    charset: 'utf8mb4',
    connectTimeout: 10_000,
    multipleStatements: false,
    rowsAsArray: true,
    // Values exactly as the server prints them; converters in mysql-types.ts decide the cells.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: false,
    jsonStrings: true,
    timezone: 'Z',
  };
  const user = decode(parsed.username);
  const password = decode(parsed.password);
  const database = decode(parsed.pathname.slice(1));
  if (user !== undefined) options.user = user;
  if (password !== undefined) options.password = password;
  if (database !== undefined) options.database = database;
  return options;
}

/**
 * Closes the socket outright. mysql2's destroy() only half-closes it (end()), which a server
 * blocked writing rows to a paused socket never notices; a destroyed socket resets the connection.
 */
function destroy(connection: Connection): void {
  connection.destroy();
  (connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
}

/** Runs one statement of ours (never the user's) and resolves when it is done. */
function run(connection: Connection, sql: string): Promise<void> {
  return new Promise((resolve, reject) => connection.query(sql, (error) => (error ? reject(error) : resolve())));
}

export class MysqlSource implements Source {
  readonly kind = 'mysql';
  readonly #options: ConnectionOptions;
  readonly #target: string;
  readonly #open = new OpenCursors<MysqlCursor>();
  /** Each query: a connection of its own, in its own transaction, ended with the query. */
  readonly #perQuery: Lease<Connection> = {
    reuses: false,
    acquire: () => this.#begin('START TRANSACTION READ ONLY'),
    release: async (connection, clean) => {
      if (clean) connection.end(ignore); // the server rolls the read-only transaction back
      else destroy(connection);
    },
  };
  #idle: Connection | undefined;

  private constructor(url: string) {
    this.#target = redactUrl(url);
    this.#options = mysqlOptions(url.replace(/^mariadb:/, 'mysql:'), this.#target);
  }

  /** Connects once to check the server and credentials; that connection serves the first query. */
  static async open(url: string): Promise<MysqlSource> {
    const source = new MysqlSource(url);
    source.#idle = await source.#connect();
    return source;
  }

  async #connect(): Promise<Connection> {
    const connection = mysql.createConnection(this.#options);
    try {
      await new Promise<void>((resolve, reject) => {
        connection.once('connect', () => resolve());
        connection.once('error', reject);
      });
      connection.on('error', () => broken.add(connection)); // a dropped connection must not crash the process
      await run(connection, "SET time_zone = '+00:00'");
    } catch (error) {
      destroy(connection);
      if (AUTH_ERRNOS.has((error as ServerError).errno ?? 0)) throw authError(this.#target, error);
      throw connectError(this.#target, error, (error as ServerError).sqlMessage);
    }
    return connection;
  }

  /**
   * @internal The connection opened by `open` (first query only), else a new one. Connections are
   * never reused after a query, so no session setting a statement changes can reach the next export.
   */
  take(): Promise<Connection> {
    if (this.#open.closed) throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_CONNECT', [this.#target, 'the source is closed']);
    const idle = this.#idle;
    this.#idle = undefined;
    if (idle !== undefined && !broken.has(idle)) return Promise.resolve(idle);
    if (idle !== undefined) destroy(idle);
    return this.#connect();
  }

  /** @internal */
  forget(cursor: MysqlCursor): void {
    this.#open.forget(cursor);
  }

  /** @internal Stops the statement running on thread `threadId`, from a second connection. */
  async killQuery(threadId: number): Promise<void> {
    const connection = await this.#connect();
    try {
      await run(connection, `KILL QUERY ${Math.trunc(threadId)}`);
    } finally {
      connection.end(ignore);
    }
  }

  /** @internal A server or connection failure in the user's terms. */
  failure(error: unknown): SheetpipeError {
    if (error instanceof SheetpipeError) return error;
    const sqlMessage = (error as ServerError).sqlMessage;
    if (sqlMessage !== undefined) return queryError(error, sqlMessage);
    return connectError(this.#target, error, `the connection was lost (${messageOf(error)})`);
  }

  query(request: QueryRequest): Promise<QueryCursor> {
    return this.#query(request, this.#perQuery);
  }

  /** COM_STMT_PREPARE on a connection of its own (see Source.describe). */
  describe(request: QueryRequest): Promise<readonly SourceColumn[]> {
    return describeMysql((error) => this.failure(error), this.#perQuery, request);
  }

  async #query(request: QueryRequest, lease: Lease<Connection>): Promise<QueryCursor> {
    // The read-only check refuses statements that commit implicitly, which would end the read-only transaction.
    const { sql, values } = requestStatement(request, 'mysql');
    instantMapper(request.timeZone); // SHEETPIPE_ERR_SOURCE_TIME_ZONE before any connection is used
    return this.#open.start(new MysqlCursor(this, lease, sql, values, request.timeZone, request.signal));
  }

  /** A connection in a REPEATABLE READ transaction started with `start`. */
  async #begin(start: string): Promise<Connection> {
    const connection = await this.take();
    try {
      await run(connection, 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await run(connection, start);
    } catch (error) {
      destroy(connection);
      throw this.failure(error);
    }
    return connection;
  }

  /**
   * One connection in one `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY` for several queries (see
   * Source.snapshot): InnoDB takes the snapshot at once, not at the first read.
   */
  async snapshot(): Promise<Source> {
    const connection = await this.#begin('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const lease = new SnapshotLease(this.#target, connection, async (c: Connection) => c.end(ignore));
    const statements = { query: (request: QueryRequest) => this.#query(request, lease), describe: (request: QueryRequest) => describeMysql((error) => this.failure(error), lease, request) };
    return new SnapshotSource(this.kind, statements, () => lease.end());
  }

  async close(): Promise<void> {
    await this.#open.closeAll();
    this.#idle?.end(ignore);
    this.#idle = undefined;
  }
}

class MysqlCursor extends EncodedCursor {
  protected readonly encoding = MYSQL_BINARY_ENCODING;
  readonly #source: MysqlSource;
  readonly #lease: Lease<Connection>;
  readonly #sql: string;
  readonly #values: unknown[];
  readonly #timeZone: string | undefined;
  #connection: Connection | undefined;
  #statement: MysqlWireStatement | undefined;
  #reader: MysqlRowReader | undefined;
  #canceled = false;

  constructor(source: MysqlSource, lease: Lease<Connection>, sql: string, values: unknown[], timeZone: string | undefined, signal: AbortSignal | undefined) {
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
    this.throwIfAborted();
    let prepared: PreparedStatement;
    try {
      prepared = await requireResultColumns(connection, this.#sql); // prepared only: nothing runs unless it returns columns
    } catch (error) {
      throw this.#source.failure(error);
    }
    this.throwIfAborted(); // from here on an abort reaches the statement through KILL QUERY
    const statement = new MysqlWireStatement(connection, prepared, this.#values);
    this.#statement = statement;
    let fields: FieldPacket[];
    try {
      fields = await statement.fields;
    } catch (error) {
      throw this.#source.failure(error);
    }
    const spec: MysqlBinarySpec = { columns: fields.map(columnDef), timeZone: this.#timeZone };
    const mapInstant = instantMapper(this.#timeZone);
    this.columns = spec.columns.map((def) => mysqlColumn(def as unknown as FieldPacket, mapInstant).column);
    this.converters = mysqlConverters(spec);
    this.#reader = new MysqlRowReader(spec.columns);
    this.spec = spec;
  }

  protected async nextRaw(): Promise<WireBatch | undefined> {
    try {
      return await (this.#statement as MysqlWireStatement).next();
    } catch (error) {
      throw this.#source.failure(error);
    }
  }

  protected rawValues(bytes: Uint8Array, start: number): unknown[] {
    return (this.#reader as MysqlRowReader).values(bytes, start);
  }

  /** KILL QUERY stops the statement even mid-computation; destroying the socket unblocks a server paused on a full send buffer. */
  protected async cancelOnServer(): Promise<void> {
    this.#canceled = true;
    const connection = this.#connection;
    const statement = this.#statement;
    if (connection === undefined || statement === undefined || statement.finished) return;
    statement.discard();
    try {
      await this.#source.killQuery(connection.threadId);
    } finally {
      destroy(connection);
    }
  }

  protected async release(): Promise<void> {
    this.#source.forget(this);
    const connection = this.#connection;
    if (connection === undefined) return;
    const statement = this.#statement;
    // Closed before the last row: stop the statement rather than drain the rest.
    if (!this.#canceled && statement !== undefined && !statement.finished) await this.cancelOnServer().catch(ignore);
    // Clean: every row arrived, so the connection can serve a snapshot's next query.
    const clean = !this.#canceled && statement?.finished === true && !statement.failed && !broken.has(connection);
    if (this.#canceled) destroy(connection);
    await this.#lease.release(connection, clean);
  }
}
