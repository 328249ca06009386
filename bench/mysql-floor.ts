/**
 * `node dist/bench/mysql-floor.js --mode M --query SQL [--source URL]`: how much main-thread CPU reading one
 * MariaDB result set costs when nothing is done with the rows, the floor under sheetpipe's MySQL source (issue 18:
 * does a raw-bytes path pay for MySQL/MariaDB?). Prints one JSON line {mode, rows, wallMs, cpuMs, cpuUsPerRow}.
 *
 * - `mysql2-execute`: mysql2's prepared statement (binary protocol), rows parsed into arrays and dropped, with the
 *   connection options sheetpipe's source uses: what sheetpipe pays before its converters and packing.
 * - `mysql2-query`: the same through the text protocol.
 * - `raw`: this file's own minimal client: handshake, COM_QUERY, then only packet framing (3-byte length, sequence
 *   id, EOF/ERR detection); no value is decoded. What a raw-bytes path would leave on the main thread, before the
 *   copies into transfer buffers.
 */
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { createConnection } from 'mysql2';
import { mysqlOptions } from '../src/sources/mysql.js';
import { DEFAULT_MYSQL_SOURCE } from './db/mysql-table.js';

const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_LONG_FLAG = 0x4;
const CLIENT_CONNECT_WITH_DB = 0x8;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_TRANSACTIONS = 0x2000;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH = 0x80000;
const COM_QUERY = 0x03;

type Mode = 'mysql2-execute' | 'mysql2-query' | 'raw';

/** Resolves with the number of rows mysql2 parsed (and dropped). */
function viaMysql2(url: string, sql: string, prepared: boolean): Promise<number> {
  const connection = createConnection(mysqlOptions(url));
  return new Promise((resolve, reject) => {
    let rows = 0;
    const command = prepared ? connection.execute({ sql, rowsAsArray: true }) : connection.query({ sql, rowsAsArray: true });
    command.on('result', () => void rows++);
    command.on('error', reject);
    command.on('end', () => connection.end(() => resolve(rows)));
  });
}

/** Packet framing over a socket: hands each payload (a view, not a copy, when it fits one chunk) to `onPacket`. */
class PacketReader {
  #pending: Buffer = Buffer.alloc(0);
  constructor(private readonly onPacket: (payload: Buffer, sequence: number) => void) {}

  push(chunk: Buffer): void {
    const buffer = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    let at = 0;
    while (buffer.length - at >= 4) {
      const length = buffer[at]! | (buffer[at + 1]! << 8) | (buffer[at + 2]! << 16);
      if (buffer.length - at - 4 < length) break;
      this.onPacket(buffer.subarray(at + 4, at + 4 + length), buffer[at + 3]!);
      at += 4 + length;
    }
    this.#pending = at === buffer.length ? Buffer.alloc(0) : buffer.subarray(at);
  }
}

function packet(sequence: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequence;
  return Buffer.concat([header, payload]);
}

function handshakeResponse(user: string, database: string): Buffer {
  const fixed = Buffer.alloc(32);
  const capabilities = CLIENT_LONG_PASSWORD | CLIENT_LONG_FLAG | CLIENT_CONNECT_WITH_DB | CLIENT_PROTOCOL_41 |
    CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH;
  fixed.writeUInt32LE(capabilities, 0);
  fixed.writeUInt32LE(1 << 24, 4);
  fixed[8] = 45; // utf8mb4_general_ci
  // An empty password: a zero-length auth response.
  return Buffer.concat([fixed, Buffer.from(`${user}\0`), Buffer.from([0]), Buffer.from(`${database}\0mysql_native_password\0`)]);
}

/** Resolves with the number of row packets of the result set, having decoded nothing but the framing. */
function viaRawPackets(url: string, sql: string): Promise<number> {
  const parsed = new URL(url);
  if (parsed.password !== '') throw new Error('the raw reader only speaks to a user with an empty password');
  const user = decodeURIComponent(parsed.username || 'root');
  const database = decodeURIComponent(parsed.pathname.slice(1) || 'test');
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(parsed.port || 3306), parsed.hostname);
    let phase: 'greeting' | 'auth' | 'columns' | 'rows' = 'greeting';
    let eofs = 0;
    let rows = 0;
    const fail = (payload: Buffer): void => {
      socket.destroy();
      reject(new Error(`server error ${payload.readUInt16LE(1)}: ${payload.subarray(9).toString()}`));
    };
    const reader = new PacketReader((payload, sequence) => {
      const first = payload[0];
      if (first === 0xff) return fail(payload);
      if (phase === 'greeting') {
        phase = 'auth';
        return void socket.write(packet(sequence + 1, handshakeResponse(user, database)));
      }
      if (phase === 'auth') {
        // 0xfe: switch to another plugin; an empty password answers every plugin with an empty response.
        if (first === 0xfe) return void socket.write(packet(sequence + 1, Buffer.alloc(0)));
        phase = 'columns';
        return void socket.write(packet(0, Buffer.concat([Buffer.from([COM_QUERY]), Buffer.from(sql)])));
      }
      const isEof = first === 0xfe && payload.length < 9;
      if (phase === 'columns') {
        if (isEof) phase = 'rows';
        return;
      }
      if (!isEof) return void rows++;
      if (++eofs === 1) {
        socket.end();
        resolve(rows);
      }
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', reject);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { mode: { type: 'string' }, query: { type: 'string' }, source: { type: 'string' } } });
  const mode = values.mode as Mode;
  if (!['mysql2-execute', 'mysql2-query', 'raw'].includes(mode) || values.query === undefined) {
    throw new Error('usage: mysql-floor.js --mode mysql2-execute|mysql2-query|raw --query SQL [--source mysql://…]');
  }
  const source = values.source ?? DEFAULT_MYSQL_SOURCE;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const rows = mode === 'raw' ? await viaRawPackets(source, values.query) : await viaMysql2(source, values.query, mode === 'mysql2-execute');
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(`${JSON.stringify({ mode, rows, wallMs: Math.round(wallMs), cpuMs: Math.round(cpuMs), cpuUsPerRow: Number(((cpuMs * 1000) / rows).toFixed(3)) })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
