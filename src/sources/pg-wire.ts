/**
 * The data path of a PostgreSQL query, on a connection `pg` opened (connect, auth, TLS, BEGIN stay `pg`'s): the
 * statement's extended-protocol messages (Parse/Bind/Describe/Execute/Sync) are written to its socket and the
 * answer is framed here, while `pg`'s own listener is set aside until ReadyForQuery. DataRow messages are not
 * parsed: their bodies are copied as they are into batches of at most BATCH_ROWS rows (offsets at row
 * boundaries), which the render workers decode (pg-rows.ts).
 *
 * Why not `pg` (or pg-cursor) for the data path: its parser turns every field into a JavaScript string on the
 * main thread — ~1.6 s of main-thread CPU per 1M bench rows with the converters (bench/RESULTS.md "Where the time
 * goes") — and no maintained Node PostgreSQL driver hands out undecoded rows (postgres.js and pg-native decode as
 * well). Framing alone is a length read and a memcpy per row.
 *
 * Backpressure: the socket is paused while QUEUE_BATCHES batches wait, so TCP flow control stops the server.
 */
import type { Socket } from 'node:net';
import pg from 'pg';
import { prepareValue } from 'pg/lib/utils.js';
import { BATCH_ROWS } from './cursor.js';

/** One column of the RowDescription. */
export interface WireField {
  readonly name: string;
  readonly oid: number;
  readonly typmod: number;
  /** The format the values come in: 0 text, 1 binary (as Bind asked). */
  readonly format: number;
}

/** Undecoded DataRow bodies: row i is `bytes[offsets[i], offsets[i + 1])`. */
export interface WireBatch {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  readonly rows: number;
}

const QUEUE_BATCHES = 4;
/** A batch is also cut at this size, so wide rows do not make huge batches. */
const BATCH_BYTES = 1024 * 1024;
export const TEXT = 0;
export const BINARY = 1;

type DataListener = (chunk: Buffer) => void;

function message(type: string, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

const cstring = (text: string): Buffer => Buffer.from(text + '\0', 'utf8');
const int16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
function int32(n: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeInt32BE(n, 0);
  return out;
}

/**
 * Parse (unnamed statement) + Bind (unnamed portal; values as `pg` prepares them, Buffers binary) + Describe portal +
 * Execute (all rows) + Sync. `formats` are the result columns' formats (TEXT, or BINARY where pg-decoders.ts
 * `binaryDecoder` says so); an empty list asks for text throughout.
 */
export function statementMessages(text: string, values: readonly unknown[], formats: readonly number[] = []): Buffer {
  const prepared = values.map((value) => prepareValue(value));
  const params: Buffer[] = [int16(prepared.length), ...prepared.map((value) => int16(Buffer.isBuffer(value) ? 1 : TEXT)), int16(prepared.length)];
  for (const value of prepared) {
    if (value === null) {
      params.push(int32(-1));
    } else {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
      params.push(int32(bytes.length), bytes);
    }
  }
  return Buffer.concat([
    message('P', Buffer.concat([cstring(''), cstring(text), int16(0)])),
    message('B', Buffer.concat([cstring(''), cstring(''), ...params, int16(formats.length), ...formats.map(int16)])),
    message('D', Buffer.concat([Buffer.from('P', 'latin1'), cstring('')])),
    message('E', Buffer.concat([cstring(''), int32(0)])),
    message('S', Buffer.alloc(0)),
  ]);
}

/** An ErrorResponse as the pg.DatabaseError `pg` itself would have raised. */
function databaseError(body: Buffer): pg.DatabaseError {
  const fields: Record<string, string> = {};
  for (let pos = 0; pos < body.length && body[pos] !== 0; ) {
    const end = body.indexOf(0, pos + 1);
    fields[String.fromCharCode(body[pos] as number)] = body.toString('utf8', pos + 1, end);
    pos = end + 1;
  }
  const error = new pg.DatabaseError(fields.M ?? 'unknown server error', body.length + 4, 'error');
  Object.assign(error, {
    severity: fields.V ?? fields.S,
    code: fields.C,
    detail: fields.D,
    hint: fields.H,
    position: fields.P,
    where: fields.W,
    schema: fields.s,
    table: fields.t,
    column: fields.c,
    dataType: fields.d,
    constraint: fields.n,
    routine: fields.R,
  });
  return error;
}

function rowDescription(body: Buffer): WireField[] {
  const count = body.readInt16BE(0);
  const fields: WireField[] = [];
  let pos = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, pos);
    const name = body.toString('utf8', pos, end);
    pos = end + 1;
    fields.push({ name, oid: body.readUInt32BE(pos + 6), typmod: body.readInt32BE(pos + 12), format: body.readInt16BE(pos + 16) });
    pos += 18;
  }
  return fields;
}

class BatchBuilder {
  bytes = Buffer.allocUnsafe(64 * 1024);
  offsets = new Uint32Array(BATCH_ROWS + 1);
  rows = 0;
  length = 0;

  add(chunk: Buffer, start: number, end: number): void {
    const size = end - start;
    if (this.length + size > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.length + size, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    chunk.copy(this.bytes, this.length, start, end);
    this.length += size;
    this.offsets[++this.rows] = this.length;
  }

  get full(): boolean {
    return this.rows === BATCH_ROWS || this.length >= BATCH_BYTES;
  }

  take(): WireBatch {
    const batch = { bytes: this.bytes.subarray(0, this.length), offsets: this.offsets.subarray(0, this.rows + 1), rows: this.rows };
    this.bytes = Buffer.allocUnsafe(Math.min(Math.max(64 * 1024, this.length), 2 * BATCH_BYTES));
    this.offsets = new Uint32Array(BATCH_ROWS + 1);
    this.rows = 0;
    this.length = 0;
    return batch;
  }
}

/**
 * Runs one statement on `socket` (a connection idle inside its transaction) and frames the answer.
 * `fields` resolves at RowDescription; `next()` gives the batches in order, then undefined; `done` settles at
 * ReadyForQuery, when the socket is `pg`'s again (rejecting with the server's error, if any).
 */
export class WireStatement {
  readonly fields: Promise<WireField[]>;
  readonly done: Promise<void>;
  readonly #socket: Socket;
  readonly #saved: DataListener[];
  readonly #queue: WireBatch[] = [];
  readonly #builder = new BatchBuilder();
  /**
   * The message that spans socket reads: a 5-byte buffer until its header is in, then one of the message's full
   * length, filled as reads arrive. Copying only this message (not joining whole reads, as before) took ~0.16 s of
   * main-thread `Buffer.concat` per 1M bench rows out of the profile.
   */
  #held: Buffer | undefined;
  #heldLength = 0;
  #error: unknown;
  #finished = false;
  #discard = false;
  #wake: (() => void) | undefined;
  #setFields!: (fields: WireField[]) => void;
  #failFields!: (error: unknown) => void;
  #settle!: () => void;
  #fail!: (error: unknown) => void;
  readonly #onData = (chunk: Buffer): void => this.#receive(chunk);
  readonly #onClose = (): void => this.#end(new Error('the connection was closed'));

  constructor(socket: Socket, text: string, values: readonly unknown[], formats: readonly number[]) {
    this.#socket = socket;
    this.fields = new Promise((resolve, reject) => {
      this.#setFields = resolve;
      this.#failFields = reject;
    });
    this.done = new Promise((resolve, reject) => {
      this.#settle = resolve;
      this.#fail = reject;
    });
    this.fields.catch(() => {});
    this.done.catch(() => {});
    this.#saved = socket.listeners('data') as DataListener[];
    socket.removeAllListeners('data');
    socket.on('data', this.#onData);
    socket.once('close', this.#onClose);
    socket.write(statementMessages(text, values, formats));
  }

  /** The next batch, or undefined after the last; rejects with the server's error. */
  async next(): Promise<WireBatch | undefined> {
    for (;;) {
      const batch = this.#queue.shift();
      if (batch !== undefined) {
        if (this.#socket.isPaused() && !this.#finished) this.#socket.resume();
        return batch;
      }
      if (this.#finished) {
        if (this.#error !== undefined) throw this.#error;
        return undefined;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Drops the batches not read yet and the rest of the answer, so the statement can end (after a cancel). */
  discard(): void {
    this.#discard = true;
    this.#queue.length = 0;
    if (!this.#finished) this.#socket.resume();
  }

  #receive(chunk: Buffer): void {
    let pos = 0;
    if (this.#held !== undefined) {
      pos = this.#fillHeld(chunk);
      if (pos < 0) return;
      const message = this.#held;
      this.#held = undefined;
      if (this.#frame(message, 0)) return this.#finish(chunk.subarray(pos));
    }
    while (pos + 5 <= chunk.length) {
      const end = pos + 1 + chunk.readInt32BE(pos + 1);
      if (end > chunk.length) break;
      if (this.#frame(chunk, pos)) return this.#finish(chunk.subarray(end));
      pos = end;
    }
    if (pos < chunk.length) {
      const length = chunk.length - pos;
      this.#held = Buffer.allocUnsafe(length >= 5 ? 1 + chunk.readInt32BE(pos + 1) : 5);
      chunk.copy(this.#held, 0, pos);
      this.#heldLength = length;
    }
  }

  /** Copies the start of `chunk` into the held message; how much of `chunk` it took, or -1 while still incomplete. */
  #fillHeld(chunk: Buffer): number {
    let held = this.#held as Buffer;
    let pos = 0;
    if (this.#heldLength < 5) {
      pos = chunk.copy(held, this.#heldLength, 0, 5 - this.#heldLength);
      this.#heldLength += pos;
      if (this.#heldLength < 5) return -1;
      const whole = Buffer.allocUnsafe(1 + held.readInt32BE(1));
      held.copy(whole, 0, 0, 5);
      this.#held = held = whole;
    }
    const taken = chunk.copy(held, this.#heldLength, pos, pos + held.length - this.#heldLength);
    this.#heldLength += taken;
    return this.#heldLength === held.length ? pos + taken : -1;
  }

  /** Frames the message at `pos` of `data` (whole); true at ReadyForQuery. */
  #frame(data: Buffer, pos: number): boolean {
    const end = pos + 1 + data.readInt32BE(pos + 1);
    const type = data[pos] as number;
    if (type !== 0x44 /* D */) return this.#message(type, data.subarray(pos + 5, end));
    if (!this.#discard) {
      this.#builder.add(data, pos + 5, end);
      if (this.#builder.full) this.#push();
    }
    return false;
  }

  /** ReadyForQuery: the statement is over and the socket goes back to `pg` with the bytes after it. */
  #finish(rest: Buffer): void {
    this.#restore(rest);
    this.#end(undefined);
  }

  /** Handles a message other than DataRow; true at ReadyForQuery. */
  #message(type: number, body: Buffer): boolean {
    switch (type) {
      case 0x54: // T: RowDescription
        this.#setFields(rowDescription(body));
        return false;
      case 0x6e: // n: NoData (a statement the describe check let through that returns nothing)
        this.#setFields([]);
        return false;
      case 0x43: // C: CommandComplete
        if (this.#builder.rows > 0) this.#push();
        return false;
      case 0x45: // E: ErrorResponse (ReadyForQuery follows)
        this.#error ??= databaseError(body);
        this.#failFields(this.#error);
        return false;
      case 0x5a: // Z: ReadyForQuery
        return true;
      default: // ParseComplete, BindComplete, notices, parameter status
        return false;
    }
  }

  #push(): void {
    if (this.#discard) return;
    this.#queue.push(this.#builder.take());
    if (this.#queue.length >= QUEUE_BATCHES) this.#socket.pause();
    this.#wakeReader();
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Gives the socket back to `pg`, with any bytes that came after ReadyForQuery. */
  #restore(rest: Buffer): void {
    const socket = this.#socket;
    socket.removeListener('data', this.#onData);
    socket.removeListener('close', this.#onClose);
    for (const listener of this.#saved) socket.on('data', listener);
    if (socket.isPaused()) socket.resume();
    if (rest.length > 0) for (const listener of this.#saved) listener(rest);
  }

  #end(connectionError: Error | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    if (connectionError !== undefined) this.#error ??= connectionError;
    this.#failFields(this.#error ?? new Error('the statement returned no row description'));
    if (this.#error === undefined) this.#settle();
    else this.#fail(this.#error);
    this.#wakeReader();
  }
}
