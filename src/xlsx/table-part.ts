/**
 * `xl/tables/tableN.xml`: an Excel table (ListObject) over a worksheet part's header, data and totals rows, as
 * Excel writes it (see ../shared/excel-reference/table-sample.xlsx): the table's own autoFilter over header and
 * data, one tableColumn per column whose name equals its header cell, and the built-in style.
 */
import { SheetpipeError } from '../errors.js';
import type { TableOptions, TotalsFunction } from './types.js';
import { NS, XML_DECLARATION, escapeAttr } from './xml.js';

const STYLE = /^TableStyle(Light([1-9]|1[0-9]|2[01])|Medium([1-9]|1[0-9]|2[0-8])|Dark([1-9]|1[01]))$/;

/** True for Excel's built-in table styles: `TableStyleLight1…21`, `TableStyleMedium1…28`, `TableStyleDark1…11`. */
export function isTableStyle(name: string): boolean {
  return STYLE.test(name);
}

export function assertTableStyle(name: string): void {
  if (!isTableStyle(name)) {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', ['table.style', `${JSON.stringify(name)} is not a built-in table style (TableStyleLight1…21, TableStyleMedium1…28, TableStyleDark1…11)`]);
  }
}

/**
 * Table column names: Excel requires them non-empty and unique (case-insensitively); the header cells must hold
 * the same text. Empty headers become `Column1`…, repeats get a number (`amount2`).
 */
export function uniqueColumnNames(headers: readonly string[]): string[] {
  const used = new Set<string>();
  return headers.map((header, index) => {
    const base = header.trim() === '' ? `Column${index + 1}` : header;
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}${n}`;
    used.add(name.toLowerCase());
    return name;
  });
}

export interface TablePart {
  readonly id: number;
  /** `A1:D101`: header, data and (when present) totals row. */
  readonly ref: string;
  /** Header and data rows only (the filter buttons' range). */
  readonly filterRef: string;
  readonly columns: readonly string[];
  /** Per column; undefined entries have no totals function. */
  readonly totals: readonly (TotalsFunction | undefined)[] | undefined;
  readonly totalsLabel: string;
  readonly options: TableOptions;
}

function writeTableColumn(name: string, index: number, part: TablePart): string {
  const fn = part.totals?.[index];
  let totals = '';
  if (fn !== undefined) totals = ` totalsRowFunction="${fn}"`;
  else if (part.totals !== undefined && index === 0) totals = ` totalsRowLabel="${escapeAttr(part.totalsLabel)}"`;
  return `<tableColumn id="${index + 1}" name="${escapeAttr(name)}"${totals}/>`;
}

export function tableXml(part: TablePart): string {
  const name = `Table${part.id}`;
  const totals = part.totals === undefined ? ' totalsRowShown="0"' : ' totalsRowCount="1"';
  const style = part.options.style ?? 'TableStyleMedium2';
  const rows = part.options.bandedRows === false ? '0' : '1';
  const columns = part.options.bandedColumns === true ? '1' : '0';
  return (
    XML_DECLARATION +
    `<table xmlns="${NS.main}" id="${part.id}" name="${name}" displayName="${name}" ref="${part.ref}"${totals}>` +
    `<autoFilter ref="${part.filterRef}"/>` +
    `<tableColumns count="${part.columns.length}">${part.columns.map((column, index) => writeTableColumn(column, index, part)).join('')}</tableColumns>` +
    `<tableStyleInfo name="${escapeAttr(style)}" showFirstColumn="0" showLastColumn="0" showRowStripes="${rows}" showColumnStripes="${columns}"/>` +
    '</table>'
  );
}
