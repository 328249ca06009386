/**
 * CSV column kinds: declared ones (`?types=amount:decimal`) convert or fail with the reason,
 * undeclared ones are inferred per value.
 */
import { integerDisplay, temporalDisplay, type ColumnDisplay } from './column-display.js';
import { decimalTextCell, integerTextCell, roundTrips, textCell, type Converter } from './convert.js';
import { parseDateTime, parseTimeOfDay, TIME_EPOCH_MS, type InstantMapper } from './datetime.js';
import type { SourceColumn } from './types.js';

export const CSV_KINDS = ['integer', 'number', 'decimal', 'text', 'boolean', 'date', 'time', 'datetime'] as const;
export type CsvKind = (typeof CSV_KINDS)[number];

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** How a number is normally written: no `+`, no leading zeros, no bare `.5`. */
const CANONICAL_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, t: true, yes: true, y: true, 1: true, false: false, f: false, no: false, n: false, 0: false };

function refuse(text: string, what: string): never {
  throw new Error(`${JSON.stringify(text)} is not ${what}`);
}

/** Undeclared columns: a canonical number text that survives a double is a number, anything else text. */
export const inferredCell: Converter = (text: string) => {
  if (!CANONICAL_NUMBER.test(text)) return text;
  const n = Number(text);
  return roundTrips(text, n) ? n || 0 : text;
};

function declaredConverter(kind: CsvKind, mapInstant: InstantMapper): Converter {
  switch (kind) {
    case 'integer':
      return (text: string) => (INTEGER.test(text) ? integerTextCell(text) : refuse(text, 'an integer'));
    case 'number':
      return (text: string) => (NUMBER.test(text) && Number.isFinite(Number(text)) ? Number(text) : refuse(text, 'a number'));
    case 'decimal':
      return (text: string) => (NUMBER.test(text) ? decimalTextCell(text) : refuse(text, 'a decimal number'));
    case 'text':
      return textCell;
    case 'boolean':
      return (text: string) => BOOLEANS[text.toLowerCase()] ?? refuse(text, 'a boolean (true/false, t/f, yes/no, y/n, 1/0)');
    case 'time':
      return (text: string) => {
        const ms = parseTimeOfDay(text);
        return Number.isNaN(ms) ? refuse(text, 'a time (HH:MM[:SS[.fff]])') : new Date(TIME_EPOCH_MS + ms);
      };
    default:
      return (text: string) => {
        const ms = parseDateTime(text, mapInstant);
        return Number.isNaN(ms) ? refuse(text, 'an ISO-8601 date (YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM])') : new Date(ms);
      };
  }
}

/** Declared integers may have up to 19 digits as numbers (and more as exact text); dates and times their formats. */
const DISPLAYS: Partial<Record<CsvKind, ColumnDisplay>> = {
  integer: integerDisplay(19),
  date: temporalDisplay('date'),
  time: temporalDisplay('time'),
  datetime: temporalDisplay('datetime'),
};

export function csvColumn(name: string, kind: CsvKind | undefined, mapInstant: InstantMapper): { column: SourceColumn; converter: Converter } {
  if (kind === undefined) return { column: { name, kind: 'unknown' }, converter: inferredCell };
  return { column: { name, kind, ...DISPLAYS[kind] }, converter: declaredConverter(kind, mapInstant) };
}
