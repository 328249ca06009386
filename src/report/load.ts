/** Report files: YAML or JSON (YAML reads both), checked against the schema before anything runs. */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { SheetpipeError } from '../errors.js';
import type { ReportDefinition } from './types.js';
import { assertReportDefinition } from './validate.js';

/** Parses report text. @throws SHEETPIPE_ERR_REPORT_INVALID for bad YAML (with its line) or an invalid definition. */
export function parseReport(text: string): ReportDefinition {
  let value: unknown;
  try {
    value = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new SheetpipeError('SHEETPIPE_ERR_REPORT_INVALID', [`not valid YAML or JSON: ${message}`], { cause: error });
  }
  assertReportDefinition(value);
  return value;
}

/** Reads and parses a report file. */
export async function loadReportFile(path: string): Promise<ReportDefinition> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SheetpipeError('SHEETPIPE_ERR_REPORT_INVALID', [`cannot read the report file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`], { cause: error });
  }
  return parseReport(text);
}
