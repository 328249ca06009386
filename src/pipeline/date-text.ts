/**
 * Dates as text from their UTC fields (which carry the wall-clock time, see src/xlsx/types.ts):
 * `YYYY-MM-DD`, `HH:MM:SS[.fff]` or `YYYY-MM-DD HH:MM:SS[.fff]`, milliseconds only when not zero.
 * Each formatter caches the text of the last day it printed and assembles the time of day from a
 * table: rows mostly arrive clustered by day, and toISOString per cell measured ~0.8 µs, the
 * largest cost of a CSV export with two date columns.
 */

export type DateStyle = 'date' | 'time' | 'datetime';
export type DateFormatter = (ms: number) => string | undefined;

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** Returns a formatter for one column; it gives undefined for an invalid Date. */
export function createDateFormatter(style: DateStyle): DateFormatter {
  let lastDay = NaN;
  let dayText = '';
  return (ms) => {
    if (!Number.isFinite(ms)) return undefined;
    const day = Math.floor(ms / DAY_MS);
    if (style !== 'time' && day !== lastDay) {
      lastDay = day;
      // toISOString also covers years outside 0000–9999 (`+010000-…`), hence the search for `T`.
      const iso = new Date(day * DAY_MS).toISOString();
      dayText = iso.slice(0, iso.indexOf('T'));
    }
    if (style === 'date') return dayText;
    const inDay = ms - day * DAY_MS;
    const seconds = Math.floor(inDay / 1000);
    const millis = inDay - seconds * 1000;
    let time = `${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}`;
    if (millis !== 0) time += `.${String(millis).padStart(3, '0')}`;
    return style === 'time' ? time : `${dayText} ${time}`;
  };
}
