/**
 * The per-column decoders of PostgreSQL text-format values, by name. A name (not a function) is what
 * postgres-types.ts picks per column, so the choice crosses to the render workers as plain data and each
 * thread rebuilds the same converters from it (pg-rows.ts); the converters parse the text the server
 * printed under the session settings postgres.ts fixes (ISO dates, UTC, hex bytea, round-trip floats).
 */
import { decimalTextCell, floatTextCell, integerTextCell, textCell, type Converter } from './convert.js';
import { dateTimeCell, instantMapper, timeCell } from './datetime.js';
import { pgArrayCell, type ArrayElement } from './pg-array.js';

export type PgDecoder =
  | 'text'
  | 'boolean'
  | 'bytea'
  | 'int8'
  | 'int'
  | 'float'
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
  numeric: decimalTextCell,
  date: wallTimeCell,
  time: timeCell,
  timestamp: wallTimeCell,
};

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
