import { columnLetters } from './cell-ref.js';
import { NS, XML_DECLARATION } from './xml.js';

/** The parts of `xl/worksheets/sheetN.xml` around `<sheetData>`, in schema order (CT_Worksheet). */

export interface WorksheetShape {
  /** Column widths in characters, by column index; undefined entries keep Excel's default. */
  readonly widths: readonly (number | undefined)[];
  /** Hidden columns, by column index. */
  readonly hidden?: readonly boolean[];
  readonly freezeHeader: boolean;
  /** The header's row number (1, or below the title rows); freezing keeps the rows above it in view too. */
  readonly headerRow?: number;
  /** `<sheetPr>` (tab colour, fit to page) or ''. */
  readonly sheetPr?: string;
}

/** What follows the rows, each already XML (or ''), written in schema order. */
export interface WorksheetTail {
  /** A last row inside `<sheetData>` (a table's totals). */
  readonly lastRowXml?: string;
  /** `<mergeCells>` (title rows). */
  readonly mergeCells?: string;
  readonly conditionalFormatting?: string;
  /** `<pageSetup>`, `<headerFooter>`. */
  readonly print?: string;
  /** `<tableParts>`. */
  readonly tableParts?: string;
}

function writeSheetViews(freezeHeader: boolean, headerRow: number): string {
  if (!freezeHeader) return '<sheetViews><sheetView workbookViewId="0"/></sheetViews>';
  const first = `A${headerRow + 1}`;
  return (
    '<sheetViews><sheetView workbookViewId="0">' +
    `<pane ySplit="${headerRow}" topLeftCell="${first}" activePane="bottomLeft" state="frozen"/>` +
    `<selection pane="bottomLeft" activeCell="${first}" sqref="${first}"/>` +
    '</sheetView></sheetViews>'
  );
}

function writeCols(widths: readonly (number | undefined)[], hidden: readonly boolean[]): string {
  const cols: string[] = [];
  const count = Math.max(widths.length, hidden.length);
  for (let index = 0; index < count; index++) {
    const width = widths[index];
    const hide = hidden[index] === true ? ' hidden="1"' : '';
    if (width !== undefined) cols.push(`<col min="${index + 1}" max="${index + 1}" width="${width}"${hide} customWidth="1"/>`);
    else if (hide) cols.push(`<col min="${index + 1}" max="${index + 1}"${hide}/>`);
  }
  return cols.length > 0 ? `<cols>${cols.join('')}</cols>` : '';
}

/**
 * Everything before the first row. No `<dimension>`: the range is unknown while streaming, and a placeholder
 * `A1` makes openpyxl's read-only mode and pandas see a single cell.
 */
export function worksheetPrologue(shape: WorksheetShape): string {
  return (
    XML_DECLARATION +
    `<worksheet xmlns="${NS.main}" xmlns:r="${NS.relationships}">` +
    (shape.sheetPr ?? '') +
    writeSheetViews(shape.freezeHeader, shape.headerRow ?? 1) +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    writeCols(shape.widths, shape.hidden ?? []) +
    '<sheetData>'
  );
}

/**
 * Everything after the last row; the autofilter covers the header and every data row written. CT_Worksheet's
 * order: autoFilter, mergeCells, conditionalFormatting, pageMargins, pageSetup, headerFooter, tableParts.
 */
export function worksheetEpilogue(autoFilter: { columns: number; lastRow: number; headerRow?: number } | undefined, tail: WorksheetTail = {}): string {
  const filter =
    autoFilter && autoFilter.columns > 0 ? `<autoFilter ref="${filterRange(autoFilter.columns, autoFilter.lastRow, autoFilter.headerRow)}"/>` : '';
  return (
    `${tail.lastRowXml ?? ''}</sheetData>${filter}${tail.mergeCells ?? ''}${tail.conditionalFormatting ?? ''}` +
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' +
    `${tail.print ?? ''}${tail.tableParts ?? ''}</worksheet>`
  );
}

export function filterRange(columns: number, lastRow: number, headerRow = 1): string {
  return `A${headerRow}:${columnLetters(columns - 1)}${Math.max(lastRow, headerRow)}`;
}
