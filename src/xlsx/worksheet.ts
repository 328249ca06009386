import { columnLetters } from './cell-ref.js';
import { NS, XML_DECLARATION } from './xml.js';

/** The parts of `xl/worksheets/sheetN.xml` around `<sheetData>`, in schema order (CT_Worksheet). */

export interface WorksheetShape {
  /** Column widths in characters, by column index; undefined entries keep Excel's default. */
  readonly widths: readonly (number | undefined)[];
  /** Hidden columns, by column index. */
  readonly hidden?: readonly boolean[];
  readonly freezeHeader: boolean;
  /** `<sheetPr>` (tab colour, fit to page) or ''. */
  readonly sheetPr?: string;
}

/** What follows the rows, each already XML (or ''), written in schema order. */
export interface WorksheetTail {
  /** A last row inside `<sheetData>` (a table's totals). */
  readonly lastRowXml?: string;
  readonly conditionalFormatting?: string;
  /** `<pageSetup>`, `<headerFooter>`. */
  readonly print?: string;
  /** `<tableParts>`. */
  readonly tableParts?: string;
}

function writeSheetViews(freezeHeader: boolean): string {
  if (!freezeHeader) return '<sheetViews><sheetView workbookViewId="0"/></sheetViews>';
  return (
    '<sheetViews><sheetView workbookViewId="0">' +
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>' +
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
    writeSheetViews(shape.freezeHeader) +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    writeCols(shape.widths, shape.hidden ?? []) +
    '<sheetData>'
  );
}

/** Everything after the last row; the autofilter covers the header and every data row written. */
export function worksheetEpilogue(autoFilter: { columns: number; lastRow: number } | undefined, tail: WorksheetTail = {}): string {
  const filter =
    autoFilter && autoFilter.columns > 0 ? `<autoFilter ref="${filterRange(autoFilter.columns, autoFilter.lastRow)}"/>` : '';
  return (
    `${tail.lastRowXml ?? ''}</sheetData>${filter}${tail.conditionalFormatting ?? ''}` +
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' +
    `${tail.print ?? ''}${tail.tableParts ?? ''}</worksheet>`
  );
}

export function filterRange(columns: number, lastRow: number): string {
  return `A1:${columnLetters(columns - 1)}${Math.max(lastRow, 1)}`;
}
