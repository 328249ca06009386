/**
 * PostgreSQL type OIDs -> column kind, number format and decoder. Every value arrives in its text form
 * (postgres.ts binds text result formats), so each decoder (pg-decoders.ts) parses text the server
 * printed under the session settings BEGIN_SQL fixes (ISO dates, UTC, hex bytea, round-trip floats).
 * Domains arrive as their base type's OID; enums, composites and user-defined arrays have OIDs
 * looked up once in pg_type (`TYPE_LOOKUP_SQL`).
 */
import { decimalDisplay, integerDisplay, temporalDisplay, type ColumnDisplay } from './column-display.js';
import type { ArrayElement } from './pg-array.js';
import type { PgDecoder } from './pg-decoders.js';
import type { ColumnKind, SourceColumn } from './types.js';

interface Mapping {
  readonly kind: ColumnKind;
  /** Format and width from the column's type modifier (`atttypmod`, -1 when the type declares none). */
  readonly display?: (typmod: number) => ColumnDisplay;
  readonly decoder: PgDecoder;
}

const always = (display: ColumnDisplay) => () => display;

/** numeric(p,s): typmod = ((p << 16) | s) + 4, the scale an 11-bit signed field since PostgreSQL 15; -1 for bare numeric. */
function numericDisplay(typmod: number): ColumnDisplay {
  if (typmod < 4) return {};
  const packed = typmod - 4;
  return decimalDisplay((packed >> 16) & 0xffff, ((packed & 0x7ff) ^ 0x400) - 0x400);
}

/** timestamp(n) / time(n): typmod = n; without one PostgreSQL keeps microseconds (precision 6). */
const fractionalDisplay = (kind: 'time' | 'datetime') => (typmod: number) => temporalDisplay(kind, typmod < 0 ? 6 : typmod);

const TEXT: Mapping = { kind: 'text', decoder: 'text' };

const SCALARS = new Map<number, Mapping>([
  [16, { kind: 'boolean', decoder: 'boolean' }],
  [17, { kind: 'binary', decoder: 'bytea' }],
  [20, { kind: 'integer', display: always(integerDisplay(19)), decoder: 'int8' }],
  [21, { kind: 'integer', display: always(integerDisplay(5)), decoder: 'int' }],
  [23, { kind: 'integer', display: always(integerDisplay(10)), decoder: 'int' }],
  [26, { kind: 'integer', display: always(integerDisplay(10)), decoder: 'int' }],
  [700, { kind: 'number', decoder: 'float' }],
  [701, { kind: 'number', decoder: 'float' }],
  [1700, { kind: 'decimal', display: numericDisplay, decoder: 'numeric' }],
  [114, { kind: 'json', decoder: 'text' }],
  [3802, { kind: 'json', decoder: 'text' }],
  [1082, { kind: 'date', display: always(temporalDisplay('date')), decoder: 'date' }],
  [1083, { kind: 'time', display: fractionalDisplay('time'), decoder: 'time' }],
  [1114, { kind: 'datetime', display: fractionalDisplay('datetime'), decoder: 'timestamp' }],
  // timestamptz: the session prints it in UTC with its offset; the cell shows the display zone's wall time.
  [1184, { kind: 'datetime', display: fractionalDisplay('datetime'), decoder: 'timestamptz' }],
  // char, name, text, bpchar, varchar, uuid, interval, inet, cidr, macaddr(8), money, timetz, xml,
  // tsvector, tsquery, bit, varbit, unknown, void: shown as the text the server prints.
  ...[18, 19, 25, 1042, 1043, 2950, 1186, 869, 650, 829, 774, 790, 1266, 142, 3614, 3615, 1560, 1562, 705, 2278].map(
    (oid): [number, Mapping] => [oid, TEXT],
  ),
]);

const ARRAYS = new Map<number, ArrayElement>([
  [1000, 'boolean'],
  ...[1005, 1007, 1016, 1021, 1022, 1231, 1028].map((oid): [number, ArrayElement] => [oid, 'number']),
  [199, 'json'],
  [3807, 'json'],
  [1001, 'bytea'],
  // char, name, text, bpchar, varchar, uuid, date, time, timestamp, timestamptz, interval, inet, cidr, timetz, money, xml
  ...[1002, 1003, 1009, 1014, 1015, 2951, 1182, 1183, 1115, 1185, 1187, 1041, 651, 1270, 791, 143].map(
    (oid): [number, ArrayElement] => [oid, 'string'],
  ),
]);

/** What pg_type says about a type sheetpipe has no fixed mapping for. */
export interface PgTypeInfo {
  /** pg_type.typcategory: `A` for arrays. */
  readonly category: string;
  /** For arrays, how elements are written. */
  readonly element?: ArrayElement;
}

export const TYPE_LOOKUP_SQL = `SELECT t.oid::int4, t.typcategory, e.oid::int4, e.typcategory
  FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
  WHERE t.oid = ANY($1::int4[])`;

/** Parses one TYPE_LOOKUP_SQL row (array row mode, text values). */
export function typeInfoOfRow(row: readonly unknown[]): [number, PgTypeInfo] {
  const [oid, category, elementOid, elementCategory] = row as [string, string, string | null, string | null];
  if (category !== 'A' || elementOid === null) return [Number(oid), { category }];
  const elementMapping = SCALARS.get(Number(elementOid));
  const element: ArrayElement =
    elementMapping?.kind === 'json' ? 'json' : elementMapping?.kind === 'binary' ? 'bytea' : elementCategory === 'N' ? 'number' : elementCategory === 'B' ? 'boolean' : 'string';
  return [Number(oid), { category, element }];
}

/** True when the OID needs no pg_type lookup. */
export function isKnownType(oid: number): boolean {
  return SCALARS.has(oid) || ARRAYS.has(oid);
}

/**
 * The column and its decoder, for a field of type `oid` with type modifier `typmod` (-1 when none; `info` from
 * the lookup when the type is not known).
 */
export function pgColumn(name: string, oid: number, typmod: number, info: PgTypeInfo | undefined): { column: SourceColumn; decoder: PgDecoder } {
  const scalar = SCALARS.get(oid);
  if (scalar !== undefined) return { column: { name, kind: scalar.kind, ...scalar.display?.(typmod) }, decoder: scalar.decoder };
  const element = ARRAYS.get(oid) ?? info?.element;
  if (element !== undefined) return { column: { name, kind: 'json' }, decoder: `array:${element}` };
  return { column: { name, kind: 'text' }, decoder: 'text' };
}
