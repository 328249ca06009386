/**
 * A report sheet's title lines, filled once before the sheet starts: `{name}` takes the report's parameter
 * values, `{generatedAt}` the generation time as the About sheet shows it (in the report's time zone).
 */
import { wallClockText } from './about-sheet.js';
import { fillTemplate } from './params.js';
import type { ReportSheet } from './types.js';

export function sheetTitleLines(
  sheet: ReportSheet,
  params: Readonly<Record<string, string | number | boolean>>,
  generatedAt: Date,
  timeZone: string,
): string[] | undefined {
  if (sheet.title === undefined) return undefined;
  const lines = typeof sheet.title === 'string' ? [sheet.title] : sheet.title;
  // A parameter called generatedAt keeps its own value.
  const values = { generatedAt: wallClockText(generatedAt, timeZone), ...params };
  return lines.map((line) => fillTemplate(line, values));
}
