/**
 * `postgres://` / `postgresql://` source. Each query runs on its own connection inside
 * `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY` (one consistent snapshot, no writes) through the
 * extended protocol (the `:name` parameters bound; it also refuses a second statement), its rows framed
 * as the server sent them (pg-wire.ts) and decoded by whichever thread writes them (pg-rows.ts).
 * Cancellation runs pg_cancel_backend from a second connection. A query's connection is closed
 * when it ends (ending it also ends the transaction). A snapshot (snapshot.ts) runs several queries
 * in one such transaction on one connection.
 */
import type { Socket } from 'node:net';
import pg from 'pg';
import { SheetpipeError } from '../errors.js';
import { EncodedCursor } from './cursor.js';
import { instantMapper } from './datetime.js';
import { authError, connectError, messageOf, queryError, redactUrl } from './driver-errors.js';
import { OpenCursors } from './open-cursors.js';
import { isKnownType, pgColumn, TYPE_LOOKUP_SQL, typeInfoOfRow, type PgTypeInfo } from './postgres-types.js';
import { binaryDecoder, pgConverter, type PgDecoder } from './pg-decoders.js';
import { PG_TEXT_ENCODING, pgFields, type PgTextSpec } from './pg-rows.js';
import { BINARY, TEXT, WireStatement, type WireBatch, type WireField } from './pg-wire.js';
import { requestStatement } from './statement.js';
import { describePostgres, requireRowDescription } from './pg-describe.js';
import { SnapshotLease, SnapshotSource, type Lease } from './snapshot.js';
import type { QueryCursor, QueryRequest, Source, SourceColumn } from './types.js';

/** The side queries' values (pg_type lookups) arrive as the server's text. */
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
    const { sql, values } = requestStatement(request, 'postgres'); // before any connection is used
    instantMapper(request.timeZone); // SHEETPIPE_ERR_SOURCE_TIME_ZONE before any connection is used
    return this.#open.start(new PostgresCursor(this, lease, sql, values, request.timeZone, request.signal));
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

class PostgresCursor extends EncodedCursor {
  protected readonly encoding = PG_TEXT_ENCODING;
  readonly #source: PostgresSource;
  readonly #lease: Lease<pg.Client>;
  readonly #text: string;
  readonly #values: unknown[];
  readonly #timeZone: string | undefined;
  #client: pg.Client | undefined;
  #pid: number | undefined;
  #statement: WireStatement | undefined;
  #decoders: readonly PgDecoder[] = [];
  /** The statement runs on the server until its ReadyForQuery. */
  #inflight: Promise<unknown> | undefined;
  #canceled = false;
  /** The statement started and described its rows without error. */
  #opened = false;

  constructor(source: PostgresSource, lease: Lease<pg.Client>, text: string, values: unknown[], timeZone: string | undefined, signal: AbortSignal | undefined) {
    super(signal);
    this.#source = source;
    this.#lease = lease;
    this.#text = text;
    this.#values = values;
    this.#timeZone = timeZone;
  }

  protected async open(): Promise<void> {
    const client = await this.#lease.acquire();
    this.#client = client;
    this.#pid = (client as unknown as { processID: number | null }).processID ?? undefined;
    this.throwIfAborted();
    let formats: number[];
    try {
      // Parse + Describe only: nothing runs unless it returns rows. The types pick each column's result format.
      const described = await requireRowDescription(client, this.#text);
      formats = described.map((field) => (binaryDecoder(field.dataTypeID) === undefined ? TEXT : BINARY));
    } catch (error) {
      throw this.#source.failure(error);
    }
    this.throwIfAborted(); // from here on an abort reaches the statement through the pid
    const statement = new WireStatement(client.connection.stream as Socket, this.#text, this.#values, formats);
    this.#statement = statement;
    const running = statement.done.catch(ignore);
    this.#inflight = running;
    void running.then(() => {
      if (this.#inflight === running) this.#inflight = undefined;
    });
    let fields: WireField[];
    try {
      fields = await statement.fields;
    } catch (error) {
      throw this.#source.failure(error);
    }
    const types = await this.#source.describeTypes(fields.map((field) => field.oid));
    const mapped = fields.map((field) => pgColumn(field.name, field.oid, field.typmod, types.get(field.oid)));
    const spec: PgTextSpec = { decoders: mapped.map((m, i) => decoderFor(fields[i] as WireField, m.decoder)), names: fields.map((field) => field.name), timeZone: this.#timeZone };
    this.#decoders = spec.decoders;
    this.converters = spec.decoders.map((decoder) => pgConverter(decoder, spec.timeZone));
    this.columns = mapped.map((m) => m.column);
    this.spec = spec;
    this.#opened = true;
  }

  protected async nextRaw(): Promise<WireBatch | undefined> {
    try {
      return await (this.#statement as WireStatement).next();
    } catch (error) {
      throw this.#source.failure(error);
    }
  }

  protected rawValues(bytes: Uint8Array, start: number): unknown[] {
    return pgFields(bytes, start, this.#decoders);
  }

  /**
   * Drops the rest of the answer and runs pg_cancel_backend while the statement runs. Repeated (bounded) because a cancel that lands
   * just before the server starts the statement is lost.
   */
  protected async cancelOnServer(): Promise<void> {
    this.#canceled = true;
    // Nothing more is read: the socket must flow (not wait paused for a reader) for the server's answer to arrive.
    this.#statement?.discard();
    const pid = this.#pid;
    for (let attempt = 0; attempt < 6 && pid !== undefined && this.#inflight !== undefined; attempt++) {
      const running = this.#inflight;
      await this.#source.withSideClient((client) => client.query('SELECT pg_cancel_backend($1)', [pid]));
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)))]);
    }
  }

  protected async release(): Promise<void> {
    this.#source.forget(this);
    const client = this.#client;
    if (client === undefined) return;
    const statement = this.#statement;
    if (this.#inflight !== undefined && !this.#canceled) await this.cancelOnServer().catch(ignore); // closed early mid-statement
    const failed = statement === undefined ? false : await endsWithin(statement.done, 5000);
    if (failed === undefined) client.connection.stream.destroy();
    // A failed or cancelled statement aborts the transaction; otherwise the connection can serve a snapshot's next query.
    const clean = this.#lease.reuses && this.#opened && !this.#canceled && failed === false && !broken.has(client);
    await this.#lease.release(client, clean);
  }
}

/**
 * The decoder of a result column: the type mapping's (text) one, or the binary one when the server sends the column
 * in binary. A type that changed between Describe and Execute (DDL in between) is caught here, not misread.
 */
function decoderFor(field: WireField, textDecoder: PgDecoder): PgDecoder {
  if (field.format === TEXT) return textDecoder;
  const decoder = binaryDecoder(field.oid);
  if (decoder === undefined) throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_QUERY', [`column "${field.name}" changed type while the statement started; run the export again`]);
  return decoder;
}

/** false when `done` resolves within `ms`, true when it rejects, undefined when it has not settled by then. */
async function endsWithin(done: Promise<void>, ms: number): Promise<boolean | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([done.then(() => false, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
