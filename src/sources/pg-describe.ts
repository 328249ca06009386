/**
 * The server's half of "only row-returning queries run" for PostgreSQL: Parse the statement
 * (unnamed) and Describe it, then Sync, without ever sending Bind or Execute. The server answers
 * RowDescription for a query that returns rows and NoData for anything else (COPY, SET, DO, CALL,
 * LOCK, LISTEN/NOTIFY, COMMIT, SELECT … INTO, DML without RETURNING); Parse itself refuses a
 * second statement. Nothing is executed, so the refusal comes before anything happens.
 * It cannot tell `DELETE … RETURNING` from a SELECT (both return rows): the lexical check
 * (read-only-sql.ts) and the read-only transaction cover those.
 * The RowDescription's fields (name, type OID, type modifier) are the columns the query will return, which is
 * what `describePostgres` (a report's check of every sheet before the first runs) maps to SourceColumns.
 */
import type pg from 'pg';
import { pgColumn, type PgTypeInfo } from './postgres-types.js';
import { notReadOnly } from './read-only-sql.js';
import { withConnection, type Lease } from './snapshot.js';
import { requestStatement } from './statement.js';
import type { QueryRequest, SourceColumn } from './types.js';

/** One field of a RowDescription, as pg-protocol parses it. */
export interface DescribedField {
  readonly name: string;
  readonly dataTypeID: number;
  readonly dataTypeModifier: number;
}

/** The parts of pg's Connection this needs (pg's typings do not export the protocol methods). */
interface ProtocolConnection {
  parse(query: { text: string; name?: string }): void;
  describe(message: { type: 'S' | 'P'; name?: string }): void;
  sync(): void;
  once(event: 'noData', listener: () => void): void;
  removeListener(event: 'noData', listener: () => void): void;
}

/** A pg "submittable": the client hands it the connection and forwards the server's replies. */
class Describe {
  readonly text: string;
  readonly done: Promise<readonly DescribedField[] | undefined>;
  #fields: readonly DescribedField[] | undefined;
  #settle!: (fields: readonly DescribedField[] | undefined) => void;
  #fail!: (error: unknown) => void;
  #connection: ProtocolConnection | undefined;
  readonly #noData = (): void => {
    this.#fields = undefined;
  };

  constructor(text: string) {
    this.text = text;
    this.done = new Promise<readonly DescribedField[] | undefined>((resolve, reject) => {
      this.#settle = resolve;
      this.#fail = reject;
    });
  }

  submit(connection: ProtocolConnection): void {
    this.#connection = connection;
    connection.once('noData', this.#noData);
    connection.parse({ text: this.text });
    connection.describe({ type: 'S' });
    connection.sync();
  }

  handleRowDescription(message: { fields: readonly DescribedField[] }): void {
    this.#fields = message.fields;
  }

  /** A server error (then ReadyForQuery follows) or a lost connection (nothing follows): fail now either way. */
  handleError(error: unknown): void {
    this.#connection?.removeListener('noData', this.#noData);
    this.#fail(error);
  }

  handleReadyForQuery(): void {
    this.#connection?.removeListener('noData', this.#noData);
    this.#settle(this.#fields);
  }

  // Never sent in answer to Parse/Describe/Sync; present because the client may call them.
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}
}

/**
 * Asks the server whether `text` returns rows, executing nothing, and returns the fields of those rows.
 * @throws SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY when it does not; the server's own error (pg.DatabaseError)
 *   when it cannot be parsed (a syntax error, a second statement, a missing table).
 */
export async function requireRowDescription(client: pg.Client, text: string): Promise<readonly DescribedField[]> {
  const describe = new Describe(text);
  client.query(describe as unknown as pg.Submittable);
  const fields = await describe.done;
  if (fields === undefined) throw notReadOnly('PostgreSQL describes the statement as returning no rows');
  return fields;
}

/** What describePostgres needs of PostgresSource: its pg_type lookups and its error mapping. */
export interface PgDescribeHost {
  describeTypes(oids: readonly number[]): Promise<ReadonlyMap<number, PgTypeInfo>>;
  failure(error: unknown): Error;
}

/**
 * The columns `request` returns, mapped as the cursor maps them (postgres-types.ts), from Parse + Describe on a
 * connection of `lease`: nothing is executed. Types sheetpipe has no fixed mapping for are looked up in pg_type.
 */
export async function describePostgres(host: PgDescribeHost, lease: Lease<pg.Client>, request: QueryRequest): Promise<readonly SourceColumn[]> {
  const { sql } = requestStatement(request, 'postgres');
  const fields = await withConnection(lease, async (client) => {
    try {
      return await requireRowDescription(client, sql);
    } catch (error) {
      throw host.failure(error);
    }
  });
  const types = await host.describeTypes(fields.map((field) => field.dataTypeID));
  return fields.map((field) => pgColumn(field.name, field.dataTypeID, field.dataTypeModifier, types.get(field.dataTypeID)).column);
}
