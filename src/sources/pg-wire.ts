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
 * Backpressure, batching and handing the socket back: wire-statement.ts.
 */
import type { Socket } from 'node:net';
import pg from 'pg';
import { prepareValue } from 'pg/lib/utils.js';
import { SocketStatement, type WireBatch } from './wire-statement.js';

export type { WireBatch };

/** One column of the RowDescription. */
export interface WireField {
  readonly name: string;
  readonly oid: number;
  readonly typmod: number;
  /** The format the values come in: 0 text, 1 binary (as Bind asked). */
  readonly format: number;
}

export const TEXT = 0;
export const BINARY = 1;

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

/**
 * Runs one statement on `socket` (a connection idle inside its transaction) and frames the answer (see
 * SocketStatement): `fields` resolves at RowDescription, `done` settles at ReadyForQuery, when the socket is `pg`'s
 * again.
 */
export class WireStatement extends SocketStatement<WireField> {
  constructor(socket: Socket, text: string, values: readonly unknown[], formats: readonly number[]) {
    super(socket);
    this.send(statementMessages(text, values, formats));
  }

  protected packetSize(data: Buffer, pos: number): number {
    return data.length - pos >= 5 ? 1 + data.readInt32BE(pos + 1) : 5;
  }

  protected frame(data: Buffer): number {
    let pos = 0;
    while (pos + 5 <= data.length) {
      const end = pos + 1 + data.readInt32BE(pos + 1);
      if (end > data.length) break;
      const type = data[pos] as number;
      if (type === 0x44 /* D */) {
        if (!this.discarding) {
          this.builder.add(data, pos + 5, end);
          if (this.builder.full) this.push();
        }
      } else if (this.#message(type, data.subarray(pos + 5, end), data.subarray(end))) {
        return -1;
      }
      pos = end;
    }
    return pos;
  }

  /** Handles a message other than DataRow; true at ReadyForQuery, when `rest` went back to `pg`. */
  #message(type: number, body: Buffer, rest: Buffer): boolean {
    switch (type) {
      case 0x54: // T: RowDescription
        this.setFields(rowDescription(body));
        return false;
      case 0x6e: // n: NoData (a statement the describe check let through that returns nothing)
        this.setFields([]);
        return false;
      case 0x43: // C: CommandComplete
        if (this.builder.rows > 0) this.push();
        return false;
      case 0x45: // E: ErrorResponse (ReadyForQuery follows)
        this.serverError(databaseError(body));
        return false;
      case 0x5a: // Z: ReadyForQuery
        this.finish(rest);
        return true;
      default: // ParseComplete, BindComplete, notices, parameter status
        return false;
    }
  }
}
