/**
 * Excel serial dates in the 1900 date system. Excel counts 1900-01-01 as day 1 and, copying Lotus 1-2-3, also
 * counts a 1900-02-29 that never existed (serial 60). So from 1900-03-01 on, serial = days since 1899-12-30;
 * before it, serial = days since 1899-12-31, which keeps 1900-01-01 … 1900-02-28 at serials 1 … 59 and a
 * time-only value (a Date on 1899-12-31) at 0.x, Excel's "1900-01-00".
 */

const MS_PER_DAY = 86_400_000;
const EPOCH_OFFSET_MS = 25_569 * MS_PER_DAY; // 1970-01-01 is serial 25569
const FIRST_REAL_SERIAL_MS = 61 * MS_PER_DAY; // 1900-03-01
const LAST_SERIAL_MS = 2_958_466 * MS_PER_DAY; // 10000-01-01, the first day Excel cannot show

/** Serial for wall-clock ms (UTC fields = the time to show), or NaN when Excel cannot show that date. */
export function excelSerial(wallClockMs: number): number {
  // Shift in whole milliseconds (exact in a double) and divide once, so 08:00 is exactly 1/3 of a day.
  let serialMs = wallClockMs + EPOCH_OFFSET_MS;
  if (serialMs < FIRST_REAL_SERIAL_MS) serialMs += -MS_PER_DAY;
  if (serialMs < 0 || serialMs >= LAST_SERIAL_MS) return Number.NaN;
  return serialMs / MS_PER_DAY;
}
