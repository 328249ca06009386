/**
 * What `GET /v1/reports` says about one report: its parameters, sheets and formats, enough to build a form
 * and to tell the user what the workbook will hold. Built from an allow-list of fields, so SQL text, source
 * URLs and hosts never reach a client (docs/security.md).
 */
import { defaultSheetName } from '../../pipeline/plan.js';
import type { ReportColumn, ReportDefinition, ReportSheet } from '../../report/types.js';
import type { NumberFormat } from '../../xlsx/types.js';
import type { ReportConfig } from '../config/types.js';

export interface ColumnView {
  /** The result column's name, as the query returns it. */
  readonly name: string;
  readonly header: string;
  readonly format: NumberFormat | null;
  readonly decimals: number | null;
  readonly hidden: boolean;
}

export interface SheetView {
  readonly name: string;
  /** The presented columns; null for a single-query report, whose columns are the query's, known when it runs. */
  readonly columns: readonly ColumnView[] | null;
  readonly table: boolean;
  /** The title lines above the table as written (`{param}` and `{generatedAt}` are filled when it runs); null when none. */
  readonly title: readonly string[] | null;
}

function columnView(name: string, column: ReportColumn): ColumnView {
  return {
    name,
    header: column.header ?? name,
    format: column.format ?? null,
    decimals: column.decimals ?? null,
    hidden: column.hidden === true,
  };
}

function sheetView(sheet: ReportSheet): SheetView {
  return {
    name: sheet.name,
    columns: Object.entries(sheet.columns ?? {}).map(([name, column]) => columnView(name, column)),
    table: sheet.table !== undefined,
    title: sheet.title === undefined ? null : typeof sheet.title === 'string' ? [sheet.title] : sheet.title,
  };
}

function layoutOf(report: ReportConfig, definition: ReportDefinition | undefined): Record<string, unknown> {
  if (definition === undefined) {
    return {
      title: null,
      sheets: [{ name: report.sheet ?? defaultSheetName(report.table), columns: null, table: false, title: null } satisfies SheetView],
      about: false,
      // A template is an xlsx workbook: its report has no CSV form.
      formats: report.template === undefined ? ['xlsx', 'csv'] : ['xlsx'],
    };
  }
  // A multi-sheet report is written as xlsx only (pipeline/report-export.ts).
  return { title: definition.title ?? null, sheets: definition.sheets.map(sheetView), about: definition.about === true, formats: ['xlsx'] };
}

export function reportView(report: ReportConfig, deliveries: boolean): Record<string, unknown> {
  return {
    name: report.name,
    description: report.description ?? null,
    params: [...report.params].map(([name, declaration]) => ({
      name,
      type: declaration.type,
      required: declaration.default === undefined,
      default: declaration.default ?? null,
      description: declaration.description ?? null,
    })),
    ...layoutOf(report, report.definition),
    ...(deliveries ? { deliveries: report.deliveries ?? [] } : {}),
  };
}
