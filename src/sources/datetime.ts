/**
 * Date and time text -> Date cells. The engine writes a Date's UTC fields as the wall-clock time
 * shown, so a wall time is built with Date.UTC (never the local-time constructors: the process
 * time zone must not matter) and an instant goes through the display zone's wall-clock mapper.
 * Hand-rolled index parsing: a regex per timestamp costs several times more on wide exports.
 */
import { SheetpipeError } from '../errors.js';
import { wallClockMapper } from '../xlsx/timezone.js';
import { NotFiniteValue, type Converter } from './convert.js';

/** A time-only value is a Date on 1899-12-31 UTC (the engine's rule for time cells). */
export const TIME_EPOCH_MS = Date.UTC(1899, 11, 31);

export type InstantMapper = (ms: number) => number;
const asStored: InstantMapper = (ms) => ms;

/** Instant -> wall-clock time of the display zone (default UTC); SHEETPIPE_ERR_SOURCE_TIME_ZONE for an unknown zone. */
export function instantMapper(zone = 'UTC'): InstantMapper {
  try {
    return wallClockMapper(zone);
  } catch (error) {
    throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_TIME_ZONE', [JSON.stringify(zone)], { cause: error });
  }
}

/** Reads `count` digits at `start`; -1 when any is not a digit. */
function digits(text: string, start: number, count: number): number {
  if (start + count > text.length) return -1;
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Where the last `timeOfDay` call stopped. A module variable rather than a returned object:
 * these parsers run once per timestamp cell and must not allocate.
 */
let parsedEnd = 0;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** UTC ms of a wall time's fields; NaN for a month or day that does not exist. */
export function wallMs(year: number, month: number, day: number, msOfDay: number): number {
  if (month < 1 || month > 12 || day < 1) return NaN;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (MONTH_DAYS[month - 1] as number) + (leap ? 1 : 0)) return NaN; // 2023-02-30 and the like
  // Date.UTC maps years 0–99 to 1900–1999; shift such years by 400 (same calendar) and back.
  if (year < 100) return Date.UTC(year + 400, month - 1, day) - 12_622_780_800_000 + msOfDay;
  return Date.UTC(year, month - 1, day) + msOfDay;
}

/**
 * Parses `HH:MM[:SS[.fraction]]` at `start`: ms of day (a fraction is truncated to ms, so a cell
 * never shows a later time than stored) or NaN; sets `parsedEnd`.
 */
function timeOfDay(text: string, start: number): number {
  const hour = digits(text, start, 2);
  const minute = digits(text, start + 3, 2);
  if (hour < 0 || minute < 0 || text.charCodeAt(start + 2) !== 58 || hour > 23 || minute > 59) return NaN;
  let end = start + 5;
  let second = 0;
  let ms = 0;
  if (text.charCodeAt(end) === 58) {
    second = digits(text, end + 1, 2);
    if (second < 0 || second > 59) return NaN;
    end += 3;
    if (text.charCodeAt(end) === 46) {
      let scale = 100;
      const first = ++end;
      for (let d = text.charCodeAt(end) - 48; d >= 0 && d <= 9 && end < text.length; d = text.charCodeAt(++end) - 48) {
        ms += d * scale;
        scale /= 10;
      }
      if (end === first) return NaN;
      ms = Math.floor(ms);
    }
  }
  parsedEnd = end;
  return ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** Parses `Z`, `±HH`, `±HHMM`, `±HH:MM` or `±HH:MM:SS` filling the rest of the text; ms east of UTC or NaN. */
function offsetMs(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === 90 && start + 1 === text.length) return 0; // Z
  if (c !== 43 && c !== 45) return NaN; // + -
  const hours = digits(text, start + 1, 2);
  let i = start + 3;
  let minutes = 0;
  let seconds = 0;
  if (i < text.length) {
    if (text.charCodeAt(i) === 58) i++;
    minutes = digits(text, i, 2);
    i += 2;
    if (i < text.length && text.charCodeAt(i) === 58) {
      seconds = digits(text, i + 1, 2);
      i += 3;
    }
  }
  if (hours < 0 || minutes < 0 || seconds < 0 || i !== text.length) return NaN;
  return (c === 45 ? -1 : 1) * ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/**
 * Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|±HH[:MM]]` (also years past 9999, as
 * PostgreSQL prints them). Without an offset the result is the wall time as stored (UTC ms of
 * its fields); with one, the instant passed through `mapInstant`. NaN for anything else
 * (BC dates, MySQL zero dates, 'infinity', free text).
 */
export function parseDateTime(text: string, mapInstant: InstantMapper = asStored): number {
  let yearEnd = 0;
  while (yearEnd < text.length && text.charCodeAt(yearEnd) >= 48 && text.charCodeAt(yearEnd) <= 57) yearEnd++;
  if (yearEnd < 4 || yearEnd > 6 || text.charCodeAt(yearEnd) !== 45 || text.charCodeAt(yearEnd + 3) !== 45) return NaN;
  const year = digits(text, 0, yearEnd);
  const month = digits(text, yearEnd + 1, 2);
  const day = digits(text, yearEnd + 4, 2);
  const dateEnd = yearEnd + 6;
  if (month < 0 || day < 0) return NaN;
  if (dateEnd === text.length) return wallMs(year, month, day, 0);
  const separator = text.charCodeAt(dateEnd);
  if (separator !== 32 && separator !== 84) return NaN; // ' ' or 'T'
  const msOfDay = timeOfDay(text, dateEnd + 1);
  if (Number.isNaN(msOfDay)) return NaN;
  const wall = wallMs(year, month, day, msOfDay);
  if (parsedEnd === text.length) return wall;
  const offset = offsetMs(text, text.charCodeAt(parsedEnd) === 32 ? parsedEnd + 1 : parsedEnd);
  return Number.isNaN(offset) ? NaN : mapInstant(wall - offset);
}

/** Parses `HH:MM[:SS[.fraction]]` filling the text; ms of day within [0, 24 h), else NaN. */
export function parseTimeOfDay(text: string): number {
  const ms = timeOfDay(text, 0);
  return parsedEnd === text.length ? ms : NaN;
}

function notParsed(text: string): string | null {
  if (text === 'infinity' || text === '-infinity') throw new NotFiniteValue(text);
  return text === '' ? null : text;
}

/** Date/timestamp text -> Date; text that is no such date stays exact text. */
export function dateTimeCell(mapInstant: InstantMapper = asStored): Converter {
  return (text: string) => {
    const ms = parseDateTime(text, mapInstant);
    return Number.isNaN(ms) ? notParsed(text) : new Date(ms);
  };
}

/** Offset-less timestamp text printed in UTC (MySQL TIMESTAMP under time_zone '+00:00') -> display-zone wall time. */
export function utcInstantCell(mapInstant: InstantMapper): Converter {
  return (text: string) => {
    const ms = parseDateTime(text);
    return Number.isNaN(ms) ? notParsed(text) : new Date(mapInstant(ms));
  };
}

/** Time text -> Date on 1899-12-31; times outside a day (MySQL `-12:30:00`, `24:00:00`) stay text. */
export const timeCell: Converter = (text: string) => {
  const ms = parseTimeOfDay(text);
  return Number.isNaN(ms) ? notParsed(text) : new Date(TIME_EPOCH_MS + ms);
};
