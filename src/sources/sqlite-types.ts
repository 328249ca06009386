/**
 * SQLite is dynamically typed: a column's declared type only hints, each value's storage class
 * decides. Declared DATE / DATETIME / TIMESTAMP / TIME columns turn ISO-8601 text into date cells,
 * declared BOOLEAN columns turn 0/1 into booleans; every other value maps by its storage class
 * (INTEGER arrives as a bigint thanks to `safeIntegers`, so no digit is lost before we look).
 */
import { decimalDisplay, integerDisplay, temporalDisplay, type ColumnDisplay } from './column-display.js';
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

/** The numbers in a declared type's parentheses: `DECIMAL(12,2)` → [12, 2], `DATETIME(3)` → [3]. */
function typeArguments(declared: string): number[] {
  const match = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(declared);
  if (!match) return [];
  return match[2] === undefined ? [Number(match[1])] : [Number(match[1]), Number(match[2])];
}

/**
 * SQLite's affinity rules (https://sqlite.org/datatype3.html §3.1) name the kind a column mostly holds. INTEGER is
 * 64-bit; a declared `DECIMAL(p,s)` / `NUMERIC(p,s)` gives the format and width its values are meant to have.
 */
function affinityKind(declared: string): { kind: ColumnKind } & ColumnDisplay {
  if (declared.includes('INT')) return { kind: 'integer', ...integerDisplay(19) };
  if (/CHAR|CLOB|TEXT/.test(declared)) return { kind: 'text' };
  if (declared === '' || declared.includes('BLOB')) return { kind: 'unknown' };
  if (/REAL|FLOA|DOUB/.test(declared)) return { kind: 'number' };
  const [precision, scale] = typeArguments(declared);
  return { kind: 'decimal', ...decimalDisplay(precision, precision === undefined ? undefined : (scale ?? 0)) };
}

export function sqliteColumn(name: string, declaredType: string | null, mapInstant: InstantMapper): { column: SourceColumn; converter: Converter } {
  const declared = (declaredType ?? '').trim().toUpperCase();
  if (declared === 'DATE') return { column: { name, kind: 'date', ...temporalDisplay('date') }, converter: isoDateTimeCell(mapInstant) };
  // SQLite keeps whatever text was stored: only a declared precision, `DATETIME(3)`, says fractions are meant.
  if (declared.startsWith('DATETIME') || declared.startsWith('TIMESTAMP')) {
    return { column: { name, kind: 'datetime', ...temporalDisplay('datetime', typeArguments(declared)[0]) }, converter: isoDateTimeCell(mapInstant) };
  }
  if (declared === 'TIME' || declared.startsWith('TIME(')) {
    return { column: { name, kind: 'time', ...temporalDisplay('time', typeArguments(declared)[0]) }, converter: isoTimeCell };
  }
  if (declared === 'BOOLEAN' || declared === 'BOOL') return { column: { name, kind: 'boolean' }, converter: booleanCell };
  return { column: { name, ...affinityKind(declared) }, converter: storageClassCell };
}
