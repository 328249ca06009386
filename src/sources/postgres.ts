/**
 * `postgres://` / `postgresql://` source. Each query runs on its own connection inside
 * `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY` (one consistent snapshot, no writes) through a
 * server-side cursor (pg-cursor: the extended protocol also refuses a second statement), fetched
 * BATCH_ROWS at a time with the next batch requested while the current one is written.
 * Cancellation runs pg_cancel_backend from a second connection. A query's connection is closed
 * when it ends (ending it also ends the transaction). A snapshot (snapshot.ts) runs several queries
 * in one such transaction on one connection.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import { SheetpipeError } from '../errors.js';
import type { Converter } from './convert.js';
import { BATCH_ROWS, BatchCursor } from './cursor.js';
import { instantMapper, type InstantMapper } from './datetime.js';
import { authError, connectError, messageOf, queryError, redactUrl } from './driver-errors.js';
import { OpenCursors } from './open-cursors.js';
import { bindParams } from './sql-params.js';
import { isKnownType, pgColumn, TYPE_LOOKUP_SQL, typeInfoOfRow, type PgTypeInfo } from './postgres-types.js';
import { withComment } from './statement.js';
import { describePostgres, requireRowDescription } from './pg-describe.js';
import { assertReadOnlySql } from './read-only-sql.js';
import { SnapshotLease, SnapshotSource, type Lease } from './snapshot.js';
import type { QueryCursor, QueryRequest, Source, SourceColumn } from './types.js';

/** Every value arrives as the server's text; postgres-types.ts picks one converter per column. */
const RAW_TYPES = { getTypeParser: () => (text: string) => text } as unknown as pg.CustomTypesConfig;

/**
 * Session settings the converters rely on, scoped to the transaction (SET LOCAL, so a pooler
 * never leaks them): ISO dates, timestamptz printed in UTC, hex bytea, floats with round-trip digits.
 */
const BEGIN_SQL = [
  'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL IntervalStyle = 'postgres'",
  "SET LOCAL bytea_output = 'hex'",
  'SET LOCAL extra_float_digits = 3',
].join('; ');

const broken = new WeakSet<pg.Client>();
const ignore = (): void => {};

/** Ends a connection; destroys the socket if the server does not answer within 2 s. */
async function endClient(client: pg.Client): Promise<void> {
  const timer = setTimeout(() => client.connection.stream.destroy(), 2000);
  try {
    await client.end();
  } catch {
    // already closed
  } finally {
    clearTimeout(timer);
  }
}

function isServerError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError;
}

export class PostgresSource implements Source {
  readonly kind = 'postgres';
  readonly #config: pg.ClientConfig;
  readonly #target: string;
  readonly #open = new OpenCursors<PostgresCursor>();
  readonly #types = new Map<number, PgTypeInfo>();
  /** Each query: a connection of its own, in its own transaction, ended with the query. */
  readonly #perQuery: Lease<pg.Client> = {
    reuses: false,
    acquire: async () => {
      const client = await this.take();
      try {
        await client.query(BEGIN_SQL);
      } catch (error) {
        void endClient(client);
        throw this.failure(error);
      }
      return client;
    },
    release: (client) => endClient(client), // the server rolls the read-only transaction back
  };
  #idle: pg.Client | undefined;

  private constructor(url: string) {
    this.#target = redactUrl(url);
    this.#config = { connectionString: url, application_name: 'sheetpipe', connectionTimeoutMillis: 10_000, keepAlive: true, types: RAW_TYPES };
  }

  /** Connects once to check the server and credentials; that connection serves the first query. */
  static async open(url: string): Promise<PostgresSource> {
    const source = new PostgresSource(url);
    source.#idle = await source.#connect(source.#config);
    return source;
  }

  async #connect(config: pg.ClientConfig): Promise<pg.Client> {
    let client: pg.Client;
    try {
      client = new pg.Client(config);
    } catch (error) {
      throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_URL', [this.#target, messageOf(error)], { cause: error });
    }
    client.on('error', () => broken.add(client)); // a dropped connection must not crash the process
    try {
      await client.connect();
    } catch (error) {
      void endClient(client);
      if (isServerError(error) && error.code?.startsWith('28')) throw authError(this.#target, error);
      throw connectError(this.#target, error);
    }
    return client;
  }

  /**
   * @internal The connection opened by `open` (first query only), else a new one. Connections are
   * never reused after a query: nothing a statement leaves in the session (advisory locks,
   * prepared statements, a late cancel) can reach the next export.
   */
  take(): Promise<pg.Client> {
    if (this.#open.closed) throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_CONNECT', [this.#target, 'the source is closed']);
    const idle = this.#idle;
    this.#idle = undefined;
    if (idle !== undefined && !broken.has(idle)) return Promise.resolve(idle);
    if (idle !== undefined) void endClient(idle);
    return this.#connect(this.#config);
  }

  /** @internal The cursor no longer needs closing by `close()`. */
  forget(cursor: PostgresCursor): void {
    this.#open.forget(cursor);
  }

  /** @internal Runs `work` on a short-lived second connection (cancellation, type lookups). */
  async withSideClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await this.#connect({ ...this.#config, connectionTimeoutMillis: 5000 });
    try {
      return await work(client);
    } finally {
      await endClient(client);
    }
  }

  /** @internal pg_type facts for the OIDs sheetpipe has no fixed mapping for (cached per source). */
  async describeTypes(oids: readonly number[]): Promise<ReadonlyMap<number, PgTypeInfo>> {
    const missing = [...new Set(oids)].filter((oid) => !isKnownType(oid) && !this.#types.has(oid));
    if (missing.length > 0) {
      const result = await this.withSideClient((client) => client.query({ text: TYPE_LOOKUP_SQL, values: [missing], rowMode: 'array' }));
      for (const row of result.rows as unknown[][]) {
        const [oid, info] = typeInfoOfRow(row);
        this.#types.set(oid, info);
      }
    }
    return this.#types;
  }

  /** @internal A server or connection failure in the user's terms. */
  failure(error: unknown): SheetpipeError {
    if (error instanceof SheetpipeError) return error;
    if (isServerError(error)) return queryError(error);
    return connectError(this.#target, error, `the connection was lost (${messageOf(error)})`);
  }

  query(request: QueryRequest): Promise<QueryCursor> {
    return this.#query(request, this.#perQuery);
  }

  /** Parse + Describe on a connection of its own (see Source.describe). */
  describe(request: QueryRequest): Promise<readonly SourceColumn[]> {
    return describePostgres(this, this.#perQuery, request);
  }

  async #query(request: QueryRequest, lease: Lease<pg.Client>): Promise<QueryCursor> {
    const bound = bindParams(request.sql, request.params, 'postgres');
    const text = withComment(bound.sql, request.comment);
    assertReadOnlySql(text, 'postgres'); // before any connection is used
    return this.#open.start(new PostgresCursor(this, lease, text, bound.values, instantMapper(request.timeZone), request.signal));
  }

  /** One connection in one `REPEATABLE READ READ ONLY` transaction for several queries (see Source.snapshot). */
  async snapshot(): Promise<Source> {
    const { acquire } = this.#perQuery;
    const client = await acquire();
    const lease = new SnapshotLease(this.#target, client, endClient);
    const statements = { query: (request: QueryRequest) => this.#query(request, lease), describe: (request: QueryRequest) => describePostgres(this, lease, request) };
    return new SnapshotSource(this.kind, statements, () => lease.end());
  }

  async close(): Promise<void> {
    await this.#open.closeAll();
    const idle = this.#idle;
    this.#idle = undefined;
    if (idle !== undefined) await endClient(idle);
  }
}

class PostgresCursor extends BatchCursor {
  readonly #source: PostgresSource;
  readonly #lease: Lease<pg.Client>;
  readonly #text: string;
  readonly #values: unknown[];
  readonly #mapInstant: InstantMapper;
  #client: pg.Client | undefined;
  #pid: number | undefined;
  #cursor: Cursor | undefined;
  #first: unknown[][] | undefined;
  #next: Promise<unknown[][]> | undefined;
  /** The fetch the server is working on, if any. */
  #inflight: Promise<unknown> | undefined;
  #canceled = false;
  /** The statement started and its first batch arrived without error. */
  #opened = false;

  constructor(source: PostgresSource, lease: Lease<pg.Client>, text: string, values: unknown[], mapInstant: InstantMapper, signal: AbortSignal | undefined) {
    super(signal);
    this.#source = source;
    this.#lease = lease;
    this.#text = text;
    this.#values = values;
    this.#mapInstant = mapInstant;
  }

  protected async open(): Promise<void> {
    const client = await this.#lease.acquire();
    this.#client = client;
    this.#pid = (client as unknown as { processID: number | null }).processID ?? undefined;
    this.throwIfAborted();
    try {
      await requireRowDescription(client, this.#text); // Parse + Describe only: nothing runs unless it returns rows
    } catch (error) {
      throw this.#source.failure(error);
    }
    this.throwIfAborted(); // from here on an abort reaches the statement through the pid
    this.#cursor = client.query(new Cursor(this.#text, this.#values, { rowMode: 'array', types: RAW_TYPES }));
    const { rows, fields } = await this.#fetch();
    const types = await this.#source.describeTypes(fields.map((field) => field.dataTypeID));
    const mapped = fields.map((field) => pgColumn(field.name, field.dataTypeID, field.dataTypeModifier, types.get(field.dataTypeID), this.#mapInstant));
    this.columns = mapped.map((m) => m.column);
    this.converters = mapped.map((m): Converter => m.converter);
    this.#first = rows;
    this.#opened = true;
  }

  #fetch(): Promise<{ rows: unknown[][]; fields: Cursor.Result['fields'] }> {
    const cursor = this.#cursor as Cursor;
    const fetch = new Promise<{ rows: unknown[][]; fields: Cursor.Result['fields'] }>((resolve, reject) => {
      cursor.read(BATCH_ROWS, (error, rows, result) => (error ? reject(this.#source.failure(error)) : resolve({ rows, fields: result.fields })));
    });
    this.#inflight = fetch;
    const settled = (): void => {
      if (this.#inflight === fetch) this.#inflight = undefined;
    };
    fetch.then(settled, settled);
    return fetch;
  }

  protected async read(): Promise<unknown[][] | undefined> {
    let rows = this.#first;
    this.#first = undefined;
    if (rows === undefined) {
      if (this.#next === undefined) return undefined;
      rows = await this.#next;
    }
    // A short batch is the last one. Otherwise ask for the next batch now, so the server
    // produces it while this one is being written.
    this.#next = rows.length === BATCH_ROWS ? this.#fetch().then((next) => next.rows) : undefined;
    this.#next?.catch(ignore); // awaited by the next read or by release
    return rows.length === 0 ? undefined : rows;
  }

  /**
   * pg_cancel_backend while a fetch is running. Repeated (bounded) because a cancel that lands
   * just before the server starts the statement is lost.
   */
  protected async cancelOnServer(): Promise<void> {
    this.#canceled = true;
    const pid = this.#pid;
    for (let attempt = 0; attempt < 6 && pid !== undefined && this.#inflight !== undefined; attempt++) {
      const running = this.#inflight;
      await this.#source.withSideClient((client) => client.query('SELECT pg_cancel_backend($1)', [pid]));
      await Promise.race([running.catch(ignore), new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)))]);
    }
  }

  protected async release(): Promise<void> {
    this.#source.forget(this);
    const client = this.#client;
    if (client === undefined) return;
    if (this.#inflight !== undefined && !this.#canceled) await this.cancelOnServer().catch(ignore); // closed early mid-fetch
    const failed = await this.#next?.then(() => false, () => true);
    this.#next = undefined;
    this.#first = undefined;
    // A failed or cancelled statement aborts the transaction; otherwise the portal is closed and the connection
    // can serve a snapshot's next query.
    const clean = this.#lease.reuses && this.#opened && !this.#canceled && failed !== true && !broken.has(client) && (await this.#closePortal());
    await this.#lease.release(client, clean);
  }

  async #closePortal(): Promise<boolean> {
    try {
      await this.#cursor?.close();
      return true;
    } catch {
      return false;
    }
  }
}
