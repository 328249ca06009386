/**
 * The server's half of "only row-returning queries run" for PostgreSQL: Parse the statement
 * (unnamed) and Describe it, then Sync, without ever sending Bind or Execute. The server answers
 * RowDescription for a query that returns rows and NoData for anything else (COPY, SET, DO, CALL,
 * LOCK, LISTEN/NOTIFY, COMMIT, SELECT … INTO, DML without RETURNING); Parse itself refuses a
 * second statement. Nothing is executed, so the refusal comes before anything happens.
 * It cannot tell `DELETE … RETURNING` from a SELECT (both return rows): the lexical check
 * (read-only-sql.ts) and the read-only transaction cover those.
 */
import type pg from 'pg';
import { notReadOnly } from './read-only-sql.js';

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
  readonly done: Promise<boolean>;
  #rows = false;
  #settle!: (rows: boolean) => void;
  #fail!: (error: unknown) => void;
  #connection: ProtocolConnection | undefined;
  readonly #noData = (): void => {
    this.#rows = false;
  };

  constructor(text: string) {
    this.text = text;
    this.done = new Promise<boolean>((resolve, reject) => {
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

  handleRowDescription(): void {
    this.#rows = true;
  }

  /** A server error (then ReadyForQuery follows) or a lost connection (nothing follows): fail now either way. */
  handleError(error: unknown): void {
    this.#connection?.removeListener('noData', this.#noData);
    this.#fail(error);
  }

  handleReadyForQuery(): void {
    this.#connection?.removeListener('noData', this.#noData);
    this.#settle(this.#rows);
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
 * Asks the server whether `text` returns rows, executing nothing.
 * @throws SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY when it does not; the server's own error (pg.DatabaseError)
 *   when it cannot be parsed (a syntax error, a second statement, a missing table).
 */
export async function requireRowDescription(client: pg.Client, text: string): Promise<void> {
  const describe = new Describe(text);
  client.query(describe as unknown as pg.Submittable);
  if (!(await describe.done)) throw notReadOnly('PostgreSQL describes the statement as returning no rows');
}
