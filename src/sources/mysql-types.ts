/**
 * MySQL/MariaDB column definitions -> column kind, number format and converter. mysql2 runs with
 * `dateStrings`, `supportBigNumbers` and `jsonStrings` (see mysql.ts), so dates arrive as the
 * server's text, BIGINT as a number only when exact, DECIMAL and JSON as text.
 */
import type { FieldPacket } from 'mysql2';
import type { NumberFormat } from '../xlsx/types.js';
import { bufferHexCell, decimalTextCell, float32Cell, floatCell, integerCell, jsonOfValueCell, sameCell, textCell, type Converter } from './convert.js';
import { dateTimeCell, timeCell, utcInstantCell, type InstantMapper } from './datetime.js';
import type { ColumnKind, SourceColumn } from './types.js';

/** Protocol column types (mysql2/lib/constants/types.js). */
const T = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9,
  DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, BIT: 16, VECTOR: 242, JSON: 245, NEWDECIMAL: 246, GEOMETRY: 255,
} as const;
const BINARY_CHARSET = 63;

const booleanCell: Converter = (value: number) => value !== 0;
const bitBooleanCell: Converter = (value: Buffer) => value[value.length - 1] === 1;
/** BIT(n > 1): the bits as an unsigned integer. */
const bitIntegerCell: Converter = (value: Buffer) => integerCell(BigInt(`0x${value.toString('hex') || '0'}`));

function column(name: string, kind: ColumnKind, converter: Converter, format?: NumberFormat): { column: SourceColumn; converter: Converter } {
  return { column: format === undefined ? { name, kind } : { name, kind, format }, converter };
}

/** The column and its converter for one mysql2 field definition. */
export function mysqlColumn(field: FieldPacket, mapInstant: InstantMapper): { column: SourceColumn; converter: Converter } {
  const name = field.name;
  if (field.extendedFormat === 'json') return column(name, 'json', textCell); // MariaDB JSON is LONGTEXT with this mark
  switch (field.columnType) {
    case T.TINY:
      // TINYINT(1) is how MySQL spells BOOLEAN.
      return field.columnLength === 1 ? column(name, 'boolean', booleanCell) : column(name, 'integer', sameCell, 'integer');
    case T.SHORT:
    case T.LONG:
    case T.INT24:
    case T.YEAR:
      return column(name, 'integer', sameCell, 'integer');
    case T.LONGLONG:
      return column(name, 'integer', integerCell, 'integer');
    case T.FLOAT:
      return column(name, 'number', float32Cell);
    case T.DOUBLE:
      return column(name, 'number', floatCell);
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return column(name, 'decimal', decimalTextCell);
    case T.DATE:
    case T.NEWDATE:
      return column(name, 'date', dateTimeCell(), 'date');
    case T.DATETIME:
      return column(name, 'datetime', dateTimeCell(), 'datetime');
    case T.TIMESTAMP:
      // An instant, printed in the session zone (UTC); shown in the display zone.
      return column(name, 'datetime', utcInstantCell(mapInstant), 'datetime');
    case T.TIME:
      return column(name, 'time', timeCell, 'time');
    case T.BIT:
      return field.columnLength === 1 ? column(name, 'boolean', bitBooleanCell) : column(name, 'integer', bitIntegerCell, 'integer');
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
