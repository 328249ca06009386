/**
 * Wall-clock conversion for display time zones. Excel has no time zones: a cell shows the
 * serial it holds, so an instant is written as the wall-clock time of the display zone.
 * Offsets are cached per 15-minute bucket (every real zone changes offset on such a boundary),
 * because Intl.DateTimeFormat is ~1 µs a call — far too slow to run per cell.
 */

const BUCKET_MS = 15 * 60 * 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Throws a RangeError for a zone name Intl does not know. */
export function assertTimeZone(zone: string): void {
  formatterFor(zone);
}

function offsetAt(formatter: Intl.DateTimeFormat, ms: number): number {
  const parts = formatter.formatToParts(ms);
  const field = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value ?? 0);
  const asUtc = Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second'));
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Returns a function mapping an instant (ms since epoch) to the same wall-clock time expressed in UTC ms. */
export function wallClockMapper(zone: string): (ms: number) => number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return (ms) => ms;
  const formatter = formatterFor(zone);
  const cache = new Map<number, number>();
  return (ms) => {
    const bucket = Math.floor(ms / BUCKET_MS);
    let offset = cache.get(bucket);
    if (offset === undefined) {
      offset = offsetAt(formatter, bucket * BUCKET_MS);
      if (cache.size > 4096) cache.clear();
      cache.set(bucket, offset);
    }
    return ms + offset;
  };
}
