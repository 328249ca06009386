/**
 * MySQL/MariaDB column definitions -> column kind, number format and converter. mysql2 runs with
 * `dateStrings`, `supportBigNumbers` and `jsonStrings` (see mysql.ts), so dates arrive as the
 * server's text, BIGINT as a number only when exact, DECIMAL and JSON as text.
 */
import type { FieldPacket } from 'mysql2';
import { decimalDisplay, integerDisplay, temporalDisplay, type ColumnDisplay } from './column-display.js';
import { bufferHexCell, decimalTextCell, float32Cell, floatCell, integerCell, jsonOfValueCell, sameCell, textCell, type Converter } from './convert.js';
import { dateTimeCell, timeCell, utcInstantCell, type InstantMapper } from './datetime.js';
import type { ColumnKind, SourceColumn } from './types.js';

/** Protocol column types (mysql2/lib/constants/types.js). */
export const T = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9,
  DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, BIT: 16, VECTOR: 242, JSON: 245, NEWDECIMAL: 246, GEOMETRY: 255,
} as const;
export const BINARY_CHARSET = 63;
export const UNSIGNED_FLAG = 32;

const booleanCell: Converter = (value: number) => value !== 0;
const bitBooleanCell: Converter = (value: Buffer) => value[value.length - 1] === 1;
/** BIT(n > 1): the bits as an unsigned integer. */
const bitIntegerCell: Converter = (value: Buffer) => integerCell(BigInt(`0x${value.toString('hex') || '0'}`));

function column(name: string, kind: ColumnKind, converter: Converter, display: ColumnDisplay = {}): { column: SourceColumn; converter: Converter } {
  return { column: { name, kind, ...display }, converter };
}

/** DECIMAL(p,s): the protocol's column length counts the point (s > 0) and the sign (signed types) besides p digits. */
function mysqlDecimalDisplay(field: FieldPacket): ColumnDisplay {
  const scale = field.decimals;
  const length = field.columnLength;
  if (scale === undefined || length === undefined) return {};
  const signed = ((field.flags as number) & UNSIGNED_FLAG) === 0;
  return decimalDisplay(length - (scale > 0 ? 1 : 0) - (signed ? 1 : 0), scale);
}

/** DATETIME(n) / TIMESTAMP(n) / TIME(n): the protocol's `decimals` is the fractional-second precision n. */
function fractionalDisplay(kind: 'time' | 'datetime', field: FieldPacket): ColumnDisplay {
  return temporalDisplay(kind, field.decimals ?? 0);
}

/** The column and its converter for one mysql2 field definition. */
export function mysqlColumn(field: FieldPacket, mapInstant: InstantMapper): { column: SourceColumn; converter: Converter } {
  const name = field.name;
  if (field.extendedFormat === 'json') return column(name, 'json', textCell); // MariaDB JSON is LONGTEXT with this mark
  switch (field.columnType) {
    case T.TINY:
      // TINYINT(1) is how MySQL spells BOOLEAN.
      return field.columnLength === 1 ? column(name, 'boolean', booleanCell) : column(name, 'integer', sameCell, integerDisplay(3));
    case T.SHORT:
      return column(name, 'integer', sameCell, integerDisplay(5));
    case T.INT24:
      return column(name, 'integer', sameCell, integerDisplay(7));
    case T.LONG:
      return column(name, 'integer', sameCell, integerDisplay(10));
    case T.YEAR:
      return column(name, 'integer', sameCell, integerDisplay(4));
    case T.LONGLONG:
      return column(name, 'integer', integerCell, integerDisplay(19));
    case T.FLOAT:
      return column(name, 'number', float32Cell);
    case T.DOUBLE:
      return column(name, 'number', floatCell);
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return column(name, 'decimal', decimalTextCell, mysqlDecimalDisplay(field));
    case T.DATE:
    case T.NEWDATE:
      return column(name, 'date', dateTimeCell(), temporalDisplay('date'));
    case T.DATETIME:
      return column(name, 'datetime', dateTimeCell(), fractionalDisplay('datetime', field));
    case T.TIMESTAMP:
      // An instant, printed in the session zone (UTC); shown in the display zone.
      return column(name, 'datetime', utcInstantCell(mapInstant), fractionalDisplay('datetime', field));
    case T.TIME:
      return column(name, 'time', timeCell, fractionalDisplay('time', field));
    case T.BIT:
      return field.columnLength === 1 ? column(name, 'boolean', bitBooleanCell) : column(name, 'integer', bitIntegerCell, integerDisplay(20));
    case T.JSON:
      return column(name, 'json', textCell);
    case T.VECTOR:
      return column(name, 'json', jsonOfValueCell);
    case T.GEOMETRY:
      return column(name, 'text', jsonOfValueCell);
    case T.NULL:
      return column(name, 'unknown', sameCell);
    default:
      return field.characterSet === BINARY_CHARSET ? column(name, 'binary', bufferHexCell) : column(name, 'text', textCell);
  }
}
