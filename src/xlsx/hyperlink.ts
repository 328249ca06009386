/**
 * Link columns as `HYPERLINK()` formulas rather than the worksheet's `<hyperlinks>` list with one relationship per
 * cell. Why:
 * - Excel holds at most 65,530 hyperlinks per worksheet ("Excel specifications and limits"), so a list could not
 *   carry a link column past row 65,530 of a 1,048,576-row part; a HYPERLINK() cell is an ordinary formula, not one
 *   of those hyperlink objects.
 * - CT_Worksheet puts `<hyperlinks>` after `<sheetData>` and every external link needs its own relationship in the
 *   sheet's .rels part, so a streaming writer would have to keep (or spill to disk) one record per link until the
 *   part ends; a formula is written with its row and forgotten, so memory stays flat. Excel, LibreOffice and Gnumeric
 * make both clickable. The cost: openpyxl and pandas see a formula (its cached result is the URL), not a
 * `cell.hyperlink`, and HYPERLINK takes at most 255 characters, so a longer URL is written as plain text.
 */
import { escapeText } from './xml.js';

/** Excel's limit on HYPERLINK's link_location argument. */
export const MAX_LINK_LENGTH = 255;

/** The look of a link cell: Excel's Hyperlink style colour, underlined. */
export const LINK_LOOK = { font: { color: '#0563C1', underline: true } } as const;

/** `<f>` and `<v>` of a link cell, or undefined when the text cannot be a link (too long, empty). */
export function hyperlinkCell(url: string): { formula: string; result: string } | undefined {
  if (url.length === 0 || url.length > MAX_LINK_LENGTH) return undefined;
  return { formula: escapeText(`HYPERLINK("${url.replace(/"/g, '""')}")`), result: escapeText(url) };
}
