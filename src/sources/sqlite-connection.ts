/**
 * One SQLite connection, held by a reader thread of its own (sqlite-thread.ts): requests go in order, a running
 * query's rows come back as transferred buffers, at most IN_FLIGHT batches ahead of the reader. The thread is
 * unref'd while nothing waits on it, so it never keeps the process alive, and terminated on close or when it fails.
 */
import { Worker } from 'node:worker_threads';
import { BATCH_ROWS } from './cursor.js';
import type { SqliteValueFailure } from './sqlite-rows.js';

/** Messages (of MESSAGE_ROWS rows) the thread may send before the reader took one: enough to overlap reading and rendering. */
const IN_FLIGHT = 4;

const ENTRY = new URL('./sqlite-thread.js', import.meta.url);

export interface SqliteColumnInfo {
  readonly name: string;
  readonly type: string | null;
}

export interface SqliteStatementInfo {
  /** The statement returns rows and changes neither the file nor the connection. */
  readonly readsOnly: boolean;
  readonly columns: readonly SqliteColumnInfo[];
  readonly estimatedRows?: number;
}

type Request =
  | { readonly type: 'open'; readonly path: string }
  | { readonly type: 'begin' }
  | { readonly type: 'commit' }
  | { readonly type: 'describe'; readonly sql: string }
  | { readonly type: 'query'; readonly sql: string; readonly values: unknown[]; readonly countTable: string | undefined; readonly timeZone: string | undefined }
  | { readonly type: 'stop' }
  | { readonly type: 'close' };

export type ToSqliteThread = (Request & { readonly id: number }) | { readonly type: 'more'; readonly batches: number };

export interface WireError {
  readonly message: string;
  readonly code?: string;
  /** A value no cell can hold, where the reader thread met it. */
  readonly value?: SqliteValueFailure;
}

export type FromSqliteThread =
  | { readonly type: 'reply'; readonly id: number; readonly result?: unknown; readonly error?: WireError }
  | { readonly type: 'rows'; readonly bytes: Uint8Array; readonly offsets: Uint32Array; readonly rows: number }
  | { readonly type: 'end' }
  | { readonly type: 'failed'; readonly error: WireError };

export interface SqliteBatch {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  readonly rows: number;
}

/** SQLite's error as the thread reported it: its message and code (`SQLITE_ERROR`, …), or the value it could not convert. */
export class SqliteThreadError extends Error {
  readonly code: string | undefined;
  readonly value: SqliteValueFailure | undefined;

  constructor(wire: WireError) {
    super(wire.message);
    this.name = 'SqliteError';
    this.code = wire.code;
    this.value = wire.value;
  }
}

const END = Symbol('end');
/** What the thread sent for the running query: a batch, its end, or its failure. */
type Arrival = SqliteBatch | typeof END | SqliteThreadError;

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class SqliteConnection {
  readonly #thread: Worker;
  #nextId = 0;
  readonly #replies = new Map<number, Waiter>();
  /** Batches (or the end, or a failure) of the running query not yet taken. */
  #arrived: Arrival[] = [];
  /** The message being handed on in batches, and its next row. */
  #message: { batch: SqliteBatch; from: number } | undefined;
  #reader: Waiter | undefined;
  #dead: Error | undefined;

  constructor() {
    this.#thread = new Worker(ENTRY);
    this.#thread.unref();
    this.#thread.on('message', (message: FromSqliteThread) => this.#receive(message));
    this.#thread.on('error', (error) => this.#die(error));
    this.#thread.on('exit', (code) => this.#die(new Error(`the SQLite reader thread exited with code ${code}`)));
  }

  /** Opens `path` read-only in the thread; on failure the thread is ended. @throws SqliteThreadError */
  static async open(path: string): Promise<SqliteConnection> {
    const connection = new SqliteConnection();
    try {
      await connection.request({ type: 'open', path });
      return connection;
    } catch (error) {
      await connection.terminate();
      throw error;
    }
  }

  /** False once the thread failed or was closed. */
  get alive(): boolean {
    return this.#dead === undefined;
  }

  request(request: Request): Promise<unknown> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    const reply = new Promise((resolve, reject) => this.#replies.set(id, { resolve, reject }));
    this.#refresh();
    this.#thread.postMessage({ ...request, id } satisfies ToSqliteThread);
    return reply;
  }

  /** Starts `sql`; its rows then come from `next`. */
  async query(sql: string, values: unknown[], countTable: string | undefined, timeZone: string | undefined): Promise<SqliteStatementInfo> {
    this.#arrived = [];
    this.#message = undefined;
    const info = (await this.request({ type: 'query', sql, values, countTable, timeZone })) as SqliteStatementInfo;
    if (info.readsOnly) this.#thread.postMessage({ type: 'more', batches: IN_FLIGHT } satisfies ToSqliteThread);
    return info;
  }

  /**
   * The running query's next batch of at most BATCH_ROWS rows (a view into the message the thread sent), or undefined
   * after the last. @throws SqliteThreadError
   */
  next(): Promise<SqliteBatch | undefined> {
    const held = this.#message;
    if (held !== undefined) return Promise.resolve(this.#cut(held));
    const arrived = this.#arrived.shift();
    if (arrived !== undefined) return this.#taken(arrived);
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    return new Promise<Arrival>((resolve, reject) => {
      this.#reader = { resolve: (value) => resolve(value as Arrival), reject };
      this.#refresh();
    }).then((item) => this.#taken(item));
  }

  #taken(item: Arrival): Promise<SqliteBatch | undefined> {
    if (item === END) return Promise.resolve(undefined);
    if (item instanceof Error) return Promise.reject(item);
    this.#message = { batch: item, from: 0 };
    return Promise.resolve(this.#cut(this.#message));
  }

  /** The message's next BATCH_ROWS rows; its last cut frees a place for one more message. */
  #cut(held: { batch: SqliteBatch; from: number }): SqliteBatch {
    const { batch, from } = held;
    const to = Math.min(from + BATCH_ROWS, batch.rows);
    held.from = to;
    if (to === batch.rows) {
      this.#message = undefined;
      if (this.#dead === undefined) this.#thread.postMessage({ type: 'more', batches: 1 } satisfies ToSqliteThread);
    }
    return { bytes: batch.bytes, offsets: batch.offsets.subarray(from, to + 1), rows: to - from };
  }

  /** Ends the running query: the thread resets the statement, and whatever it sent before is dropped. */
  async stop(): Promise<void> {
    await this.request({ type: 'stop' });
    this.#arrived = [];
    this.#message = undefined;
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.resolve(END);
    this.#refresh();
  }

  async close(): Promise<void> {
    if (this.#dead === undefined) await this.request({ type: 'close' }).catch(() => undefined);
    await this.terminate();
  }

  async terminate(): Promise<void> {
    this.#die(new Error('the SQLite connection is closed'));
    await this.#thread.terminate();
  }

  #receive(message: FromSqliteThread): void {
    if (message.type === 'reply') {
      const waiter = this.#replies.get(message.id);
      this.#replies.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new SqliteThreadError(message.error));
      else waiter?.resolve(message.result);
    } else {
      const item: Arrival = message.type === 'rows' ? { bytes: message.bytes, offsets: message.offsets, rows: message.rows } : message.type === 'end' ? END : new SqliteThreadError(message.error);
      const reader = this.#reader;
      this.#reader = undefined;
      if (reader !== undefined) reader.resolve(item);
      else this.#arrived.push(item);
    }
    this.#refresh();
  }

  #die(error: Error): void {
    if (this.#dead !== undefined) return;
    this.#dead = error;
    for (const waiter of this.#replies.values()) waiter.reject(error);
    this.#replies.clear();
    this.#reader?.reject(error);
    this.#reader = undefined;
  }

  /** Holds the process open only while someone waits for the thread. */
  #refresh(): void {
    if (this.#replies.size > 0 || this.#reader !== undefined) this.#thread.ref();
    else this.#thread.unref();
  }
}
