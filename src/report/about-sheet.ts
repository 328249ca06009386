/**
 * The About sheet, written last: what the report is, the parameters it ran with, when it was generated (in the
 * report's time zone), the source's configured name (never its URL), rows per sheet, the sheetpipe version and the
 * trace id, so a file found later says how it was made.
 */
import type { CellValue, SheetOptions } from '../xlsx/types.js';
import type { SheetResult } from './types.js';

export const ABOUT_SHEET = 'About';

export interface AboutFacts {
  readonly title: string | undefined;
  readonly description: string | undefined;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly generatedAt: Date;
  readonly timeZone: string;
  readonly sourceName: string;
  readonly sheets: readonly SheetResult[];
  readonly version: string;
  readonly traceId: string | undefined;
}

export const ABOUT_OPTIONS: SheetOptions = {
  columns: [
    { header: 'Item', width: 22, font: { bold: true } },
    { header: 'Value', width: 48, wrap: true },
  ],
};

/** `2024-01-31 18:05:09 Europe/Berlin`: readable, and unambiguous because it names the zone. */
export function wallClockText(at: Date, timeZone: string): string {
  const text = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  return `${text} ${timeZone}`;
}

export function aboutRows(facts: AboutFacts): CellValue[][] {
  const rows: CellValue[][] = [];
  if (facts.title !== undefined) rows.push(['Report', facts.title]);
  if (facts.description !== undefined) rows.push(['Description', facts.description]);
  for (const [name, value] of Object.entries(facts.params)) rows.push([`Parameter ${name}`, value]);
  rows.push(['Generated at', wallClockText(facts.generatedAt, facts.timeZone)]);
  rows.push(['Source', facts.sourceName]);
  for (const sheet of facts.sheets) rows.push([`Rows in ${sheet.name}`, sheet.rows]);
  rows.push(['sheetpipe version', facts.version]);
  if (facts.traceId !== undefined) rows.push(['Trace id', facts.traceId]);
  return rows;
}
