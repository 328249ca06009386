/**
 * Worksheet elements of a sheet's presentation outside its rows, in CT_Worksheet order: `sheetPr` (tab colour,
 * fit to page) before the views; `pageSetup` and `headerFooter` after the margins. Print titles (the header row
 * repeated on every page) are a defined name in workbook.xml (workbook-part.ts).
 */
import { SheetpipeError } from '../errors.js';
import { argb } from './cell-look.js';
import type { Color, PrintOptions } from './types.js';
import { escapeText } from './xml.js';

const DEFAULT_FOOTER = 'Page &P of &N';

/** Text without a section code (`&L`, `&C`, `&R`) goes in the centre, as Excel would put it. */
function section(text: string): string {
  return /^&[LCR]/.test(text) ? text : `&C${text}`;
}

/** `<sheetPr>` or '' when the sheet has neither a tab colour nor fit-to-width printing. */
export function sheetPrXml(tabColor: Color | undefined, print: PrintOptions | undefined): string {
  const tab = tabColor === undefined ? '' : `<tabColor rgb="${argb(tabColor, 'tabColor')}"/>`;
  const fit = print?.fitToWidth === undefined ? '' : '<pageSetUpPr fitToPage="1"/>';
  return tab || fit ? `<sheetPr>${tab}${fit}</sheetPr>` : '';
}

export function assertPrintOptions(print: PrintOptions): void {
  if (print.orientation !== undefined && print.orientation !== 'portrait' && print.orientation !== 'landscape') {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', ['print.orientation', `expected portrait or landscape, got ${JSON.stringify(print.orientation)}`]);
  }
  const fit = print.fitToWidth;
  if (fit !== undefined && (!Number.isInteger(fit) || fit < 1 || fit > 32767)) {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', ['print.fitToWidth', `expected a whole number of pages from 1, got ${fit}`]);
  }
}

/** `<pageSetup>` and `<headerFooter>` (after `<pageMargins>`), or '' without print options. */
export function printXml(print: PrintOptions | undefined): string {
  if (print === undefined) return '';
  const orientation = print.orientation === undefined ? '' : ` orientation="${print.orientation}"`;
  // fitToHeight 0: as many pages down as the rows need.
  const fit = print.fitToWidth === undefined ? '' : ` fitToWidth="${print.fitToWidth}" fitToHeight="0"`;
  const setup = orientation || fit ? `<pageSetup${orientation}${fit}/>` : '';
  const header = print.header === undefined ? '' : `<oddHeader>${escapeText(section(print.header))}</oddHeader>`;
  const footer = `<oddFooter>${escapeText(section(print.footer ?? DEFAULT_FOOTER))}</oddFooter>`;
  return `${setup}<headerFooter>${header}${footer}</headerFooter>`;
}
