/**
 * A multi-sheet report in the service's `reports` section: the same definition as a report file
 * (docs/reports.md), its parameters declared the service's way (`params`, typed and coerced per request).
 */
import { isSheetpipeError } from '../../errors.js';
import type { ParamType as ReportParamType, ReportDefinition, ReportParam } from '../../report/types.js';
import { assertReportDefinition } from '../../report/validate.js';
import { configError, type Json } from './fields.js';
import type { ParamDeclaration } from './types.js';

/** The service's `datetime` parameters arrive as ISO text, which the report binds as a string. */
function reportParam(declaration: ParamDeclaration): ReportParam {
  const type: ReportParamType = declaration.type === 'datetime' ? 'string' : declaration.type;
  return { type, ...(declaration.default === undefined ? {} : { default: declaration.default }) };
}

/** @throws SHEETPIPE_ERR_SERVICE_CONFIG naming `reports.NAME.sheets[1]…`. */
export function reportDefinitionOf(object: Json, params: ReadonlyMap<string, ParamDeclaration>, path: string): ReportDefinition {
  const candidate: Record<string, unknown> = { sheets: object.sheets };
  for (const key of ['title', 'description', 'about', 'snapshot'] as const) if (object[key] !== undefined) candidate[key] = object[key];
  if (params.size > 0) candidate.params = Object.fromEntries([...params].map(([name, declaration]) => [name, reportParam(declaration)]));
  try {
    assertReportDefinition(candidate);
  } catch (error) {
    if (isSheetpipeError(error, 'SHEETPIPE_ERR_REPORT_INVALID')) {
      const detail = error.message.replace(/^invalid report definition: /, '');
      const colon = detail.indexOf(': ');
      throw configError(`${path}.${detail.slice(0, colon)}`, detail.slice(colon + 2));
    }
    throw error;
  }
  return candidate as unknown as ReportDefinition;
}
