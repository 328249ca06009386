/**
 * SQLite is dynamically typed: a column's declared type only hints, each value's storage class
 * decides. Declared DATE / DATETIME / TIMESTAMP / TIME columns turn ISO-8601 text into date cells,
 * declared BOOLEAN columns turn 0/1 into booleans; every other value maps by its storage class
 * (INTEGER arrives as a bigint thanks to `safeIntegers`, so no digit is lost before we look).
 */
import type { NumberFormat } from '../xlsx/types.js';
import { bufferHexCell, floatCell, integerCell, type Converter } from './convert.js';
import { parseDateTime, parseTimeOfDay, TIME_EPOCH_MS, type InstantMapper } from './datetime.js';
import type { ColumnKind, SourceColumn } from './types.js';

/** INTEGER -> number (exact text beyond 2^53), REAL -> number, TEXT -> text, BLOB -> hex. */
export const storageClassCell: Converter = (value: bigint | number | string | Uint8Array) => {
  switch (typeof value) {
    case 'bigint':
      return integerCell(value);
    case 'number':
      return floatCell(value);
    case 'string':
      return value === '' ? null : value;
    default:
      return bufferHexCell(value);
  }
};

function isoDateTimeCell(mapInstant: InstantMapper): Converter {
  return (value: unknown) => {
    if (typeof value !== 'string') return storageClassCell(value);
    const ms = parseDateTime(value, mapInstant); // with an offset: an instant, shown in the display zone
    return Number.isNaN(ms) ? storageClassCell(value) : new Date(ms);
  };
}

const isoTimeCell: Converter = (value: unknown) => {
  if (typeof value !== 'string') return storageClassCell(value);
  const ms = parseTimeOfDay(value);
  return Number.isNaN(ms) ? storageClassCell(value) : new Date(TIME_EPOCH_MS + ms);
};

const booleanCell: Converter = (value: unknown) => (value === 0n ? false : value === 1n ? true : storageClassCell(value));

/** SQLite's affinity rules (https://sqlite.org/datatype3.html §3.1) name the kind a column mostly holds. */
function affinityKind(declared: string): { kind: ColumnKind; format?: NumberFormat } {
  if (declared.includes('INT')) return { kind: 'integer', format: 'integer' };
  if (/CHAR|CLOB|TEXT/.test(declared)) return { kind: 'text' };
  if (declared === '' || declared.includes('BLOB')) return { kind: 'unknown' };
  if (/REAL|FLOA|DOUB/.test(declared)) return { kind: 'number' };
  return { kind: 'decimal' };
}

export function sqliteColumn(name: string, declaredType: string | null, mapInstant: InstantMapper): { column: SourceColumn; converter: Converter } {
  const declared = (declaredType ?? '').trim().toUpperCase();
  if (declared === 'DATE') return { column: { name, kind: 'date', format: 'date' }, converter: isoDateTimeCell(mapInstant) };
  if (declared.startsWith('DATETIME') || declared.startsWith('TIMESTAMP')) {
    return { column: { name, kind: 'datetime', format: 'datetime' }, converter: isoDateTimeCell(mapInstant) };
  }
  if (declared === 'TIME') return { column: { name, kind: 'time', format: 'time' }, converter: isoTimeCell };
  if (declared === 'BOOLEAN' || declared === 'BOOL') return { column: { name, kind: 'boolean' }, converter: booleanCell };
  const { kind, format } = affinityKind(declared);
  return { column: format === undefined ? { name, kind } : { name, kind, format }, converter: storageClassCell };
}
