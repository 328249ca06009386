/**
 * The parts of mysql2 (3.x) that the raw data path (mysql-wire.ts, mysql-rows.ts) reuses so that nothing changes
 * but who frames the rows: its COM_STMT_EXECUTE encoder (parameter types exactly as `execute()` binds them), its
 * column-definition parser (the FieldPacket the type mapping reads), its ERR packet reader (the errors users see)
 * and its binary value readers for the rare types (GEOMETRY, VECTOR). mysql2's `exports` map hides lib/, so the
 * files are required by path from its resolved entry point.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FieldPacket } from 'mysql2';

const require = createRequire(import.meta.url);
const root = dirname(require.resolve('mysql2'));
const internal = (path: string): unknown => require(join(root, 'lib', path));

/** A mysql2 packet over `buffer[start, end)`; `offset` starts after the 4-byte header. */
export interface Mysql2Packet {
  offset: number;
  readonly buffer: Buffer;
  asError(encoding: string): Error;
  parseGeometryValue(): unknown;
  parseVector(): unknown;
  writeHeader(sequenceId: number): void;
}

export const Packet = internal('packets/packet.js') as new (id: number, buffer: Buffer, start: number, end: number) => Mysql2Packet;

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

const packets = internal('packets/index.js') as { Execute: ExecutePacket; ColumnDefinition: ColumnDefinitionPacket };
export const ExecutePacket = packets.Execute;
export const ColumnDefinition = packets.ColumnDefinition;

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
export const decodeString = (internal('parsers/string.js') as { decode(buffer: Buffer, encoding: string, start: number, end: number): string }).decode;
