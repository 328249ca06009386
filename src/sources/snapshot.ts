/**
 * A read-only snapshot of a database: one connection, one read-only transaction, queries run one after another,
 * so every query of a report sees the same committed data even while others write. Each driver holds the
 * connection in a `Lease`; a query's connection comes from its source's lease (a new connection and
 * transaction per query) or from a snapshot's (the same one for every query).
 */
import { SheetpipeError } from '../errors.js';
import type { QueryCursor, QueryRequest, Source, SourceColumn } from './types.js';

/** Where a cursor's connection comes from and goes back to. */
export interface Lease<C> {
  /** True when a released connection serves further queries (a snapshot's), so a cursor must leave it clean. */
  readonly reuses: boolean;
  /** A connection inside a read-only transaction. */
  acquire(): Promise<C>;
  /** `clean`: the query ended normally and the connection can serve the next one. */
  release(connection: C, clean: boolean): Promise<void>;
}

/**
 * Runs `work` on a connection of `lease` and gives it back: clean when the work succeeded, so a snapshot's
 * connection serves the next statement, and a failure (which may have aborted the transaction) ends the snapshot.
 */
export async function withConnection<C, T>(lease: Lease<C>, work: (connection: C) => Promise<T>): Promise<T> {
  const connection = await lease.acquire();
  let clean = false;
  try {
    const result = await work(connection);
    clean = true;
    return result;
  } finally {
    await lease.release(connection, clean);
  }
}

/**
 * The connection of a snapshot: lent to one cursor at a time; a query that failed or was cancelled ends the
 * snapshot (its transaction may be aborted), so later queries fail rather than read outside it.
 */
export class SnapshotLease<C> implements Lease<C> {
  readonly reuses = true;
  readonly #target: string;
  readonly #connection: C;
  readonly #end: (connection: C) => Promise<void>;
  #busy = false;
  #broken = false;
  #ended = false;

  constructor(target: string, connection: C, end: (connection: C) => Promise<void>) {
    this.#target = target;
    this.#connection = connection;
    this.#end = end;
  }

  acquire(): Promise<C> {
    if (this.#ended || this.#broken || this.#busy) {
      const why = this.#ended ? 'the snapshot is closed' : this.#broken ? 'an earlier query of the snapshot failed' : 'the snapshot runs one query at a time';
      return Promise.reject(new SheetpipeError('SHEETPIPE_ERR_SOURCE_CONNECT', [this.#target, why]));
    }
    this.#busy = true;
    return Promise.resolve(this.#connection);
  }

  async release(_connection: C, clean: boolean): Promise<void> {
    this.#busy = false;
    if (!clean) this.#broken = true;
  }

  /** Ends the transaction and the connection (once). */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#end(this.#connection);
  }
}

/** What a snapshot's statements do on its connection (the driver's query and describe, bound to its lease). */
export interface SnapshotStatements {
  query(request: QueryRequest): Promise<QueryCursor>;
  describe(request: QueryRequest): Promise<readonly SourceColumn[]>;
}

/** A Source over a snapshot: `query` and `describe` run on the snapshot's connection, `close` ends the snapshot. */
export class SnapshotSource implements Source {
  readonly kind: string;
  readonly #statements: SnapshotStatements;
  readonly #end: () => Promise<void>;

  constructor(kind: string, statements: SnapshotStatements, end: () => Promise<void>) {
    this.kind = kind;
    this.#statements = statements;
    this.#end = end;
  }

  query(request: QueryRequest): Promise<QueryCursor> {
    return this.#statements.query(request);
  }

  describe(request: QueryRequest): Promise<readonly SourceColumn[]> {
    return this.#statements.describe(request);
  }

  close(): Promise<void> {
    return this.#end();
  }
}
