/**
 * A sheet's features beyond rows and column styles, resolved once when the sheet is added: its Excel table and
 * totals row, conditional formats and data bars, print setup and tab colour. Each rollover part gets them anew
 * (its own table, totals and ranges), filled in when the part ends.
 */
import { SheetpipeError } from '../errors.js';
import { columnLetters } from './cell-ref.js';
import { conditionalFormattingXml, resolveDataBar, resolveRule, type ResolvedRule } from './conditional-formats.js';
import { assertPrintOptions, printXml, sheetPrXml } from './sheet-presentation.js';
import type { StyleRegistry } from './styles.js';
import { assertTableStyle, tableXml, uniqueColumnNames } from './table-part.js';
import { TABLE_REL_ID } from './package-manifest.js';
import { assertTotalsFunction, Totals } from './totals.js';
import type { SheetOptions, TotalsFunction } from './types.js';
import type { WorksheetTail } from './worksheet.js';

/** What the workbook writes for a finished part besides the worksheet. */
export interface PartExtras {
  /** `xl/tables/table{id}.xml`, when the sheet is a table. */
  readonly table?: { readonly id: number; readonly xml: string };
  /** The print titles' rows (the header's, `$1:$1` without title rows), when the header repeats on every page. */
  readonly printTitles?: string;
}

/** Where a part's totals row goes and what its formulas cover. */
export interface TotalsRow {
  readonly rowNumber: number;
  readonly width: number;
  readonly firstDataRow: number;
  readonly lastDataRow: number;
  readonly label: string;
}

export class SheetFeatures {
  readonly #options: SheetOptions;
  readonly #rules: (readonly ResolvedRule[])[];
  readonly #functions: (TotalsFunction | undefined)[] | undefined;
  readonly #totals: Totals | undefined;

  constructor(options: SheetOptions, hasHeaders: boolean, styles: StyleRegistry) {
    this.#options = options;
    const columns = options.columns ?? [];
    if (options.table !== undefined) {
      if (!hasHeaders) throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', ['table', 'a table needs column headers']);
      assertTableStyle(options.table.style ?? 'TableStyleMedium2');
    }
    if (options.print !== undefined) assertPrintOptions(options.print);
    sheetPrXml(options.tabColor, options.print); // checks the colour now, not when the first chunk is written
    this.#rules = columns.map((column, c) => {
      const option = `columns[${c}]`;
      const rules = (column.conditional ?? []).map((rule, r) => resolveRule(rule, styles, `${option}.conditional[${r}]`));
      if (column.dataBar !== undefined) rules.push(resolveDataBar(column.dataBar.color, `${option}.dataBar`));
      return rules;
    });
    const withTotals = columns.some((column) => column.totals !== undefined);
    if (withTotals && options.table === undefined) throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', ['columns[].totals', 'a totals row needs table options']);
    this.#functions = withTotals
      ? columns.map((column, c) => {
          if (column.totals !== undefined) assertTotalsFunction(column.totals, String(c));
          return column.totals;
        })
      : undefined;
    this.#totals = this.#functions === undefined ? undefined : new Totals(this.#functions);
  }

  get isTable(): boolean {
    return this.#options.table !== undefined;
  }

  /** Header texts as written: a table's must be unique and non-empty. */
  headers(headers: readonly string[]): readonly string[] {
    return this.isTable ? uniqueColumnNames(headers) : headers;
  }

  sheetPr(): string {
    return sheetPrXml(this.#options.tabColor, this.#options.print);
  }

  /** Called per row only when a totals row is wanted. */
  get totals(): Totals | undefined {
    return this.#totals;
  }

  /**
   * The worksheet's tail and the workbook's extras for a part whose data ends at `lastRow`, its header in
   * `headerRow` (below any title rows). With a totals row, `totalsRow` says where and over which rows; the caller
   * renders it into the tail's `lastRowXml` once the part's aggregates are known (totals.ts).
   */
  finishPart(headers: readonly string[], headerRow: number, lastRow: number, tableId: number): { tail: WorksheetTail; extras: PartExtras; totalsRow?: TotalsRow } {
    const width = headers.length;
    const firstDataRow = headerRow + 1;
    // A table needs at least one data row, even an empty one.
    const lastDataRow = Math.max(lastRow, firstDataRow);
    const conditional = conditionalFormattingXml(
      this.#rules.map((rules, c) => {
        const letters = columnLetters(c);
        return { range: `${letters}${firstDataRow}:${letters}${lastDataRow}`, firstCell: `${letters}${firstDataRow}`, rules };
      }),
    );
    const print = printXml(this.#options.print);
    const printTitles = this.#options.print?.repeatHeader === true ? `$${headerRow}:$${headerRow}` : undefined;
    const table = this.#options.table;
    if (table === undefined || width === 0) return { tail: { conditionalFormatting: conditional, print }, extras: printTitles ? { printTitles } : {} };
    const last = columnLetters(width - 1);
    const totalsRow = this.#totals === undefined ? undefined : lastDataRow + 1;
    const xml = tableXml({
      id: tableId,
      ref: `A${headerRow}:${last}${totalsRow ?? lastDataRow}`,
      filterRef: `A${headerRow}:${last}${lastDataRow}`,
      columns: headers,
      totals: this.#functions,
      totalsLabel: table.totalsLabel ?? 'Total',
      options: table,
    });
    return {
      tail: { conditionalFormatting: conditional, print, tableParts: `<tableParts count="1"><tablePart r:id="${TABLE_REL_ID}"/></tableParts>` },
      extras: { table: { id: tableId, xml }, ...(printTitles ? { printTitles } : {}) },
      ...(totalsRow === undefined ? {} : { totalsRow: { rowNumber: totalsRow, width, firstDataRow, lastDataRow, label: table.totalsLabel ?? 'Total' } }),
    };
  }
}
