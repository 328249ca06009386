/**
 * The per-column decoders of PostgreSQL text-format values, by name. A name (not a function) is what
 * postgres-types.ts picks per column, so the choice crosses to the render workers as plain data and each
 * thread rebuilds the same converters from it (pg-rows.ts); the converters parse the text the server
 * printed under the session settings postgres.ts fixes (ISO dates, UTC, hex bytea, round-trip floats).
 */
import { decimalTextCell, floatCell, floatTextCell, integerTextCell, textCell, type Converter } from './convert.js';
import { dateTimeCell, instantMapper, timeCell } from './datetime.js';
import { pgArrayCell, type ArrayElement } from './pg-array.js';

export type PgDecoder =
  | 'text'
  | 'boolean'
  | 'bytea'
  | 'int8'
  | 'int'
  | 'float'
  | 'float8-binary'
  | 'numeric'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | `array:${ArrayElement}`;

/** int2/int4/oid text always fits a double; parsing it needs no range check. */
const smallIntegerCell: Converter = (text: string) => +text;
const booleanCell: Converter = (text: string) => text === 't';
const byteaCell: Converter = (text: string) => (text.length <= 2 ? null : text.slice(2)); // `\x…`
const wallTimeCell = dateTimeCell();

const FIXED: Readonly<Record<Exclude<PgDecoder, 'timestamptz' | `array:${string}`>, Converter>> = {
  text: textCell,
  boolean: booleanCell,
  bytea: byteaCell,
  int8: integerTextCell,
  int: smallIntegerCell,
  float: floatTextCell,
  'float8-binary': floatCell,
  numeric: decimalTextCell,
  date: wallTimeCell,
  time: timeCell,
  timestamp: wallTimeCell,
};

/** PostgreSQL's float8 type. */
const FLOAT8_OID = 701;

/**
 * The decoder of a column PostgreSQL is asked to send in binary format (Bind's result format 1), by type oid; every
 * other column comes as text. float8 only: measured per type with `COPY … TO STDOUT` of bench.orders_1000000 on
 * PostgreSQL 15, the backend spent 0.14 s of CPU per 1M float8 values printing text (float8out, shortest round-trip
 * digits) against 0.04 s sending 8 bytes (float8send), and a render worker reads the double with no string and no
 * parse: the same double `Number(text)` gives, since the text is the shortest that round-trips. (timestamp was
 * 0.20 → 0.12 s, but its binary form has no text for the BC and out-of-range values shown as text; int4, numeric
 * and boolean cost the same or more in binary.)
 */
export function binaryDecoder(oid: number): PgDecoder | undefined {
  return oid === FLOAT8_OID ? 'float8-binary' : undefined;
}

/**
 * The converter of `decoder`; timestamptz values are shown as the wall time of `timeZone` (default UTC).
 * @throws SHEETPIPE_ERR_SOURCE_TIME_ZONE for an unknown zone.
 */
export function pgConverter(decoder: PgDecoder, timeZone: string | undefined): Converter {
  // timestamptz: the session prints it in UTC with its offset; the cell shows the display zone's wall time.
  if (decoder === 'timestamptz') return dateTimeCell(instantMapper(timeZone));
  if (decoder.startsWith('array:')) return pgArrayCell(decoder.slice(6) as ArrayElement);
  return FIXED[decoder as keyof typeof FIXED];
}
