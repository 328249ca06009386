/**
 * The data path of a MySQL/MariaDB query, on a connection mysql2 opened (connect, auth, TLS, session settings and
 * the transaction stay mysql2's) and a statement it prepared (mysql-describe.ts): COM_STMT_EXECUTE is written to
 * its socket and the answer framed here, while mysql2's own 'data' listener is set aside until the result's final
 * EOF/OK. Binary row packets are not parsed: their payloads are copied as they are into batches (wire-batch.ts),
 * which the render workers decode (mysql-rows.ts).
 *
 * Why not mysql2's execute() for the data path: its binary parser turns every value into a JavaScript value on the
 * main thread, and the converters and the chunk packer then handle each again — ~2.15 µs of the 3.73 µs per bench
 * row (bench/RESULTS.md "MySQL/MariaDB: does a raw-bytes path pay?"). Framing is a header read and a copy per row.
 *
 * What is mysql2's, reused (mysql2-internals.ts): the execute packet (parameters typed exactly as execute() types
 * them), the column definitions and the ERR packet's error. The prepared statement stays in mysql2's statement
 * cache, which owns it: it closes it when the cache evicts it or the connection ends, so a snapshot's later query of
 * the same text reuses it and nothing here needs COM_STMT_CLOSE.
 *
 * mysql2 is idle while the statement runs (no command of its own queued), and it starts each command at sequence
 * id 0 itself, so the socket goes back to it at a packet boundary with nothing to repair.
 *
 * Backpressure, batching and handing the socket back: wire-statement.ts.
 */
import type { Connection, FieldPacket } from 'mysql2';
import { mysql2Packet, mysql2Packets, type Mysql2ConnectionState } from './mysql2-internals.js';
import { SocketStatement, type WireBatch } from './wire-statement.js';

export type { WireBatch };

/** What mysql2's prepare() hands back (its typings omit these). */
export interface PreparedStatement {
  readonly id: number;
  readonly parameters: readonly unknown[];
  readonly columns: readonly FieldPacket[];
}

/** A payload of this length continues in the next packet. */
const MAX_PAYLOAD = 0xffffff;
const CLIENT_DEPRECATE_EOF = 1 << 24;
const SERVER_MORE_RESULTS_EXISTS = 0x08;

const enum State {
  /** Expecting the column count (or ERR / OK). */
  Header,
  Columns,
  ColumnsEof,
  Rows,
}

/** The COM_STMT_EXECUTE packet(s) for `values`, as mysql2's execute() would write them. */
export function executePackets(connection: Connection, statement: PreparedStatement, values: readonly unknown[]): Buffer {
  const state = connection as unknown as Mysql2ConnectionState;
  const clientFlags = state.config.clientFlags & (state.serverCapabilityFlags ?? 0);
  const packet = new (mysql2Packets().Execute)(statement.id, values, state.config.charsetNumber, state.config.timezone, undefined, clientFlags, state._isMariaDB, statement.parameters).toPacket();
  const payload = packet.buffer.subarray(4);
  // A payload of 16 MiB or more goes in pieces of MAX_PAYLOAD (then one shorter, maybe empty), sequence ids 0, 1, …
  const parts: Buffer[] = [];
  let sequenceId = 0;
  for (let pos = 0; ; pos += MAX_PAYLOAD) {
    const length = Math.min(MAX_PAYLOAD, payload.length - pos);
    const header = Buffer.from([length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, sequenceId++ & 0xff]);
    parts.push(header, payload.subarray(pos, pos + length));
    if (length < MAX_PAYLOAD) break;
  }
  return Buffer.concat(parts);
}

/**
 * Runs one prepared statement on a mysql2 connection (idle inside its transaction) and frames the answer (see
 * SocketStatement): `fields` resolves with the column definitions, `done` settles after the final EOF/OK, when the
 * socket is mysql2's again.
 */
export class MysqlWireStatement extends SocketStatement<FieldPacket> {
  readonly #connection: Mysql2ConnectionState;
  readonly #deprecateEof: boolean;
  #state = State.Header;
  #columnCount = 0;
  #columns: FieldPacket[] = [];
  /** A later result set (a procedure's status): read past, not kept. */
  #later = false;
  /** The pieces of a payload longer than MAX_PAYLOAD, so far. */
  #long: Buffer[] = [];

  constructor(connection: Connection, statement: PreparedStatement, values: readonly unknown[]) {
    const state = connection as unknown as Mysql2ConnectionState;
    if (state._command) throw new Error('mysql2 is running a command on this connection');
    super(state.stream);
    this.#connection = state;
    this.#deprecateEof = (state.config.clientFlags & (state.serverCapabilityFlags ?? 0) & CLIENT_DEPRECATE_EOF) !== 0;
    this.send(executePackets(connection, statement, values));
  }

  protected packetSize(data: Buffer, pos: number): number {
    return data.length - pos >= 3 ? 4 + payloadLength(data, pos) : 4;
  }

  protected frame(data: Buffer): number {
    let pos = 0;
    while (pos + 4 <= data.length) {
      const length = payloadLength(data, pos);
      const end = pos + 4 + length;
      if (end > data.length) break;
      if (length === MAX_PAYLOAD || this.#long.length > 0) {
        this.#long.push(data.subarray(pos + 4, end));
        pos = end;
        if (length === MAX_PAYLOAD) continue;
        // One payload from the pieces, with room for a header in front (the mysql2 packet readers expect one).
        const whole = Buffer.concat([Buffer.alloc(4), ...this.#long]);
        this.#long = [];
        if (this.#packet(whole, 4, whole.length, data.subarray(end))) return -1;
        continue;
      }
      if (this.#packet(data, pos + 4, end, data.subarray(end))) return -1;
      pos = end;
    }
    return pos;
  }

  /** Handles one packet's payload `data[start, end)` (4 header bytes before it); true at the end, when `rest` went back to mysql2. */
  #packet(data: Buffer, start: number, end: number, rest: Buffer): boolean {
    const first = data[start] as number;
    if (this.#state === State.Rows) {
      if (first === 0x00) {
        if (!this.discarding && !this.#later) {
          this.builder.add(data, start, end);
          if (this.builder.full) this.push();
        }
        return false;
      }
      // EOF (< 9 bytes), or with CLIENT_DEPRECATE_EOF an OK packet with the EOF header.
      if (first === 0xfe && end - start < MAX_PAYLOAD) {
        if (this.builder.rows > 0) this.push();
        const status = data.readUInt16LE(start + (this.#deprecateEof ? statusOffset(data, start) : 3));
        if ((status & SERVER_MORE_RESULTS_EXISTS) !== 0) {
          this.#later = true;
          this.#state = State.Header;
          return false;
        }
        this.finish(rest);
        return true;
      }
    }
    if (first === 0xff) {
      this.serverError(mysql2Packet(data, start - 4, end).asError(this.#connection.clientEncoding));
      this.finish(rest); // an ERR ends the command
      return true;
    }
    switch (this.#state) {
      case State.Header:
        if (first === 0x00) {
          // An OK: no result set (the describe check let through a statement that returns none).
          if (!this.#later) this.setFields([]);
          if ((data.readUInt16LE(start + statusOffset(data, start)) & SERVER_MORE_RESULTS_EXISTS) !== 0) {
            this.#later = true;
            return false;
          }
          this.finish(rest);
          return true;
        }
        this.#columnCount = lengthCoded(data, start);
        this.#columns = [];
        this.#state = this.#columnCount === 0 ? State.Rows : State.Columns;
        return false;
      case State.Columns: {
        const state = this.#connection;
        this.#columns.push(new (mysql2Packets().ColumnDefinition)(mysql2Packet(data, start - 4, end), state.clientEncoding, state._mariadbExtendedMetadata === true));
        if (this.#columns.length < this.#columnCount) return false;
        if (!this.#later) this.setFields(this.#columns);
        this.#state = this.#deprecateEof ? State.Rows : State.ColumnsEof;
        return false;
      }
      case State.ColumnsEof:
        this.#state = State.Rows; // the EOF after the column definitions
        return false;
      default:
        this.end(new Error(`unexpected MySQL packet 0x${first.toString(16)} in a result set`));
        return true;
    }
  }
}

/** The 3-byte little-endian payload length in the packet header at `pos`. */
function payloadLength(data: Buffer, pos: number): number {
  return (data[pos] as number) | ((data[pos + 1] as number) << 8) | ((data[pos + 2] as number) << 16);
}

/** A length-coded integer at `pos` (column counts are small; wider forms read as such). */
function lengthCoded(data: Buffer, pos: number): number {
  const first = data[pos] as number;
  if (first < 0xfb) return first;
  if (first === 0xfc) return data.readUInt16LE(pos + 1);
  if (first === 0xfd) return data.readUIntLE(pos + 1, 3);
  return Number(data.readBigUInt64LE(pos + 1));
}

/** Where an OK packet's status flags are, from its first byte: after the header and two length-coded integers. */
function statusOffset(data: Buffer, start: number): number {
  let pos = start + 1;
  for (let i = 0; i < 2; i++) {
    const first = data[pos] as number;
    pos += first < 0xfb ? 1 : first === 0xfc ? 3 : first === 0xfd ? 4 : 9;
  }
  return pos - start;
}
