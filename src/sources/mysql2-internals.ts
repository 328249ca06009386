/**
 * The parts of mysql2 (3.x) that the raw data path (mysql-wire.ts, mysql-rows.ts) reuses so that nothing changes
 * but who frames the rows: its COM_STMT_EXECUTE encoder (parameter types exactly as `execute()` binds them), its
 * column-definition parser (the FieldPacket the type mapping reads), its ERR packet reader (the errors users see)
 * and its binary value readers for the rare types (GEOMETRY, VECTOR). mysql2's `exports` map hides lib/, so the
 * files are required by path from its resolved entry point. Each is loaded at its first use: the render workers
 * import the row decoders of every encoding, and most never see a GEOMETRY or a non-UTF-8 column.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FieldPacket } from 'mysql2';

const require = createRequire(import.meta.url);
const root = dirname(require.resolve('mysql2'));
const loaded = new Map<string, unknown>();
function internal(path: string): unknown {
  let module = loaded.get(path);
  if (module === undefined) {
    module = require(join(root, 'lib', path));
    loaded.set(path, module);
  }
  return module;
}

/** A mysql2 packet over `buffer[start, end)`; `offset` starts after the 4-byte header. */
export interface Mysql2Packet {
  offset: number;
  readonly buffer: Buffer;
  asError(encoding: string): Error;
  parseGeometryValue(): unknown;
  parseVector(): unknown;
  writeHeader(sequenceId: number): void;
}

/** A mysql2 packet over a whole packet, header included, at `buffer[start, end)`. */
export function mysql2Packet(buffer: Buffer, start: number, end: number): Mysql2Packet {
  const Packet = internal('packets/packet.js') as new (id: number, buffer: Buffer, start: number, end: number) => Mysql2Packet;
  return new Packet(0, buffer, start, end);
}

type ExecutePacket = new (
  id: number,
  values: readonly unknown[],
  charsetNumber: number,
  timezone: string,
  attributes: undefined,
  clientFlags: number,
  isMariaDB: boolean,
  parameterDefinitions: readonly unknown[],
) => { toPacket(): Mysql2Packet };

type ColumnDefinitionPacket = new (packet: Mysql2Packet, clientEncoding: string, mariadbExtendedMetadata: boolean) => FieldPacket & { readonly encoding: string };

export const mysql2Packets = (): { Execute: ExecutePacket; ColumnDefinition: ColumnDefinitionPacket } => internal('packets/index.js') as { Execute: ExecutePacket; ColumnDefinition: ColumnDefinitionPacket };

/** The connection state mysql2 keeps and its typings omit. */
export interface Mysql2ConnectionState {
  readonly config: { readonly charsetNumber: number; readonly timezone: string; readonly clientFlags: number };
  readonly serverCapabilityFlags?: number;
  readonly clientEncoding: string;
  readonly _isMariaDB: boolean;
  readonly _mariadbExtendedMetadata?: boolean;
  readonly _command?: unknown;
  readonly stream: import('node:net').Socket;
}

/** mysql2's string decoding (its `readLengthCodedString`): the same text for every charset it maps. */
export function decodeString(buffer: Buffer, encoding: string, start: number, end: number): string {
  return (internal('parsers/string.js') as { decode(buffer: Buffer, encoding: string, start: number, end: number): string }).decode(buffer, encoding, start, end);
}
