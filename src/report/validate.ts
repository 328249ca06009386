/**
 * Checks a report definition before anything is opened; every error names the key path of what is wrong
 * (`sheets[1].name: …`).
 */
import { SheetpipeError, isSheetpipeError } from '../errors.js';
import { SheetNames } from '../xlsx/sheet-names.js';
import { ABOUT_SHEET } from './about-sheet.js';
import { schemaProblem } from './schema.js';
import type { ReportDefinition } from './types.js';

function invalid(path: string, why: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_REPORT_INVALID', [`${path}: ${why}`]);
}

/** @throws SHEETPIPE_ERR_REPORT_INVALID naming the key path. */
export function assertReportDefinition(definition: unknown): asserts definition is ReportDefinition {
  const problem = schemaProblem(definition);
  if (problem !== undefined) throw new SheetpipeError('SHEETPIPE_ERR_REPORT_INVALID', [problem]);
  assertSemantics(definition as ReportDefinition);
}

/** What the schema cannot say: sheet names unique as Excel compares them, totals only in tables. */
function assertSemantics(definition: ReportDefinition): void {
  if (!Array.isArray(definition.sheets) || definition.sheets.length === 0) throw invalid('sheets', 'a report needs at least one sheet');
  const names = new SheetNames();
  if (definition.about === true) names.add(ABOUT_SHEET); // written last, but its name is taken
  definition.sheets.forEach((sheet, index) => {
    try {
      names.add(sheet.name);
    } catch (error) {
      if (isSheetpipeError(error)) throw invalid(`sheets[${index}].name`, error.message);
      throw error;
    }
    if (sheet.query.trim() === '') throw invalid(`sheets[${index}].query`, 'the query is empty');
  });
}
