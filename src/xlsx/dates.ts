/**
 * Excel serial dates in the 1900 date system. Excel counts 1900-01-01 as day 1 and, copying Lotus 1-2-3, also
 * counts a 1900-02-29 that never existed (serial 60). So from 1900-03-01 on, serial = days since 1899-12-30;
 * before it, serial = days since 1899-12-31, which keeps 1900-01-01 … 1900-02-28 at serials 1 … 59 and a
 * time-only value (a Date on 1899-12-31) at 0.x, Excel's "1900-01-00".
 */

const MS_PER_DAY = 86_400_000;
const EPOCH_OFFSET_DAYS = 25_569; // 1970-01-01 is serial 25569
const FIRST_REAL_SERIAL = 61; // 1900-03-01
const LAST_SERIAL = 2_958_466; // 10000-01-01, the first day Excel cannot show

/** Serial for wall-clock ms (UTC fields = the time to show), or NaN when Excel cannot show that date. */
export function excelSerial(wallClockMs: number): number {
  let serial = wallClockMs / MS_PER_DAY + EPOCH_OFFSET_DAYS;
  if (serial < FIRST_REAL_SERIAL) serial -= 1;
  if (serial < 0 || serial >= LAST_SERIAL) return Number.NaN;
  return serial;
}
