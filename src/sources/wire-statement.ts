/**
 * What the raw data paths (pg-wire.ts, mysql-wire.ts) share: a statement's answer read off a driver's socket, its
 * row bodies copied undecoded into batches of at most BATCH_ROWS rows or ~BATCH_BYTES bytes (offsets at row
 * boundaries), with backpressure, and the socket handed back to the driver at the end.
 */
import type { Socket } from 'node:net';
import { BATCH_ROWS } from './cursor.js';

/** Row bodies as the server sent them: row i is `bytes[offsets[i], offsets[i + 1])`. */
export interface WireBatch {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  readonly rows: number;
}

/** A batch is also cut at this size, so wide rows do not make huge batches. */
const BATCH_BYTES = 1024 * 1024;

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

const QUEUE_BATCHES = 4;

type DataListener = (chunk: Buffer) => void;

/**
 * One statement's answer read off a driver's socket (a connection idle inside its transaction): the driver's 'data'
 * listeners are set aside while the subclass frames the answer, row bodies go into batches, and the socket goes
 * back to the driver, with any bytes that followed, at the answer's end. `fields` resolves with the result's column
 * descriptions; `next()` gives the batches in order, then undefined; `done` settles at the end, when the socket is
 * the driver's again (rejecting with the server's error, if any).
 *
 * Backpressure: the socket is paused while QUEUE_BATCHES batches wait, so TCP flow control stops the server.
 */
export abstract class SocketStatement<Field> {
  readonly fields: Promise<Field[]>;
  readonly done: Promise<void>;
  protected readonly builder = new BatchBuilder();
  /** The server's error, once one arrived. */
  protected error: unknown;
  /** After a cancel: rows are dropped as they arrive. */
  protected discarding = false;
  readonly #socket: Socket;
  readonly #saved: DataListener[];
  readonly #queue: WireBatch[] = [];
  #parts: Buffer[] = [];
  #partsLength = 0;
  /** Bytes the first held-back packet needs before it can be framed. */
  #needed = 0;
  #finished = false;
  #wake: (() => void) | undefined;
  #setFields!: (fields: Field[]) => void;
  #failFields!: (error: unknown) => void;
  #settle!: () => void;
  #fail!: (error: unknown) => void;
  readonly #onData = (chunk: Buffer): void => this.#receive(chunk);
  readonly #onClose = (): void => this.end(new Error('the connection was closed'));

  constructor(socket: Socket) {
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
  }

  /** Takes the socket over and writes the statement's request (call once, from the subclass constructor). */
  protected send(request: Buffer): void {
    const socket = this.#socket;
    socket.removeAllListeners('data');
    socket.on('data', this.#onData);
    socket.once('close', this.#onClose);
    socket.write(request);
  }

  get finished(): boolean {
    return this.#finished;
  }

  get failed(): boolean {
    return this.error !== undefined;
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
        if (this.error !== undefined) throw this.error;
        return undefined;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Drops the batches not read yet and the rest of the answer, so the statement can end (after a cancel). */
  discard(): void {
    this.discarding = true;
    this.#queue.length = 0;
    if (!this.#finished) this.#socket.resume();
  }

  /**
   * Frames the complete packets at the start of `data`; returns where the first incomplete one starts, or -1 once
   * the answer ended (`finish` was called).
   */
  protected abstract frame(data: Buffer): number;
  /** The whole size of the packet at `pos` from its header, or the header's size while that is incomplete. */
  protected abstract packetSize(data: Buffer, pos: number): number;

  #receive(chunk: Buffer): void {
    let data = chunk;
    if (this.#partsLength > 0) {
      this.#parts.push(chunk);
      this.#partsLength += chunk.length;
      // Wait for the whole packet before joining the pieces: one copy, however many chunks it spans.
      if (this.#partsLength < this.#needed) return;
      data = Buffer.concat(this.#parts, this.#partsLength);
      this.#parts = [];
      this.#partsLength = 0;
    }
    const pos = this.frame(data);
    if (pos < 0 || pos >= data.length) return;
    this.#parts.push(data.subarray(pos));
    this.#partsLength = data.length - pos;
    this.#needed = this.packetSize(data, pos);
  }

  protected setFields(fields: Field[]): void {
    this.#setFields(fields);
  }

  /** Records the server's error (the first one counts); the answer still runs to its end. */
  protected serverError(error: unknown): void {
    this.error ??= error;
    this.#failFields(this.error);
  }

  /** Queues the rows built so far as a batch. */
  protected push(): void {
    if (this.discarding) return;
    this.#queue.push(this.builder.take());
    if (this.#queue.length >= QUEUE_BATCHES) this.#socket.pause();
    this.#wakeReader();
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** The answer's end: gives the socket back to the driver, with `rest`, the bytes that came after it. */
  protected finish(rest: Buffer): void {
    const socket = this.#socket;
    socket.removeListener('data', this.#onData);
    socket.removeListener('close', this.#onClose);
    for (const listener of this.#saved) socket.on('data', listener);
    if (socket.isPaused()) socket.resume();
    if (rest.length > 0) for (const listener of this.#saved) listener(rest);
    this.end(undefined);
  }

  /** Ends the statement, with `connectionError` when the connection failed under it. */
  protected end(connectionError: Error | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    if (connectionError !== undefined) this.error ??= connectionError;
    this.#failFields(this.error ?? new Error('the statement described no result'));
    if (this.error === undefined) this.#settle();
    else this.#fail(this.error);
    this.#wakeReader();
  }
}
