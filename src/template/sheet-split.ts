import { SheetpipeError } from '../errors.js';
import type { LocatedTarget } from './locate.js';
import { formatRange, growFormula, grownRange, overlapsColumns, parseCell, parseRange, referencesArea, type DataArea } from './ranges.js';
import { dropCachedResults } from './cached-results.js';
import { scanElements, splice, withAttribute, type XmlElement } from './xml-elements.js';

/**
 * The target sheet cut around its data area: the text before the first data row (kept as it is), the template's
 * per-column cell styles of its first data row, and what follows the data (a totals row renumbered, everything after
 * `<sheetData>`, the sheet's own autofilter grown). Cells beside the data in its rows are kept in place; cells the rows
 * would grow over (below the data), merged cells and array formulas across it are refused.
 */
export interface SheetSplit {
  /** The data area; for a sheet target its old last row is the last row with cells at or right of its column. */
  readonly area: DataArea;
  readonly prefix: string;
  /** ` s="N"` by 0-based column (absolute), from the template's first data row. */
  readonly styles: ReadonlyMap<number, string>;
  /**
   * Cells beside the data area in the rows it replaces (a range left of a table, notes to its right), by row: they
   * stay where they are, the data row's cells are put between them. `left` and `right` are the cells' XML as written.
   */
  readonly sideCells: ReadonlyMap<number, { readonly left: string; readonly right: string }>;
  suffix(newLastRow: number): string;
}

function unsafe(target: LocatedTarget, why: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_UNSAFE', [target.label, why]);
}

const inArea = (area: DataArea, column: number): boolean => column >= area.firstColumn && (area.lastColumn === undefined || column <= area.lastColumn);

export function splitSheet(xml: string, located: LocatedTarget): SheetSplit {
  const { sheetPath } = located;
  const wanted = new Set(['sheetData', 'row', 'c', 'f', 'mergeCell', 'dimension', 'autoFilter', 'conditionalFormatting', 'dataValidation']);
  const topLevel = new Set(['autoFilter', 'conditionalFormatting']);
  const elements = scanElements(xml, sheetPath, (name, path) => wanted.has(name) && (!topLevel.has(name) || path.length === 1));
  const sheetData = elements.find((e) => e.name === 'sheetData');
  if (!sheetData) throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_CORRUPT', [sheetPath, 'the worksheet has no sheetData']);
  const totalsRow = located.table && located.table.totalsRows > 0 ? located.table.ref.last.row : undefined;

  // Rows in document order, numbered (an `r` may be left out: it is then the previous row's + 1).
  const rows: { element: XmlElement; row: number }[] = [];
  let previous = 0;
  for (const element of elements) {
    if (element.name !== 'row') continue;
    const row = element.attributes.r === undefined ? previous + 1 : Number(element.attributes.r);
    rows.push({ element, row });
    previous = row;
  }

  // A sheet target replaces whatever lies at or below its cell, from its column rightwards: that is its old data; the
  // area ends at the last row with any cell, so cells left of it down there are side cells, not cells below.
  const area = located.table ? located.area : { ...located.area, oldLastRow: sheetOldLastRow(elements, rows, located.area) };
  const target: LocatedTarget = { ...located, area };
  const styles = new Map<number, string>();
  const sideCells = new Map<number, { left: string; right: string }>();
  let totals: XmlElement | undefined;
  // Elements come in document order, each row before its cells: the row a cell is in is the last row opened.
  let current: { element: XmlElement; row: number } | undefined;
  let nextRow = 0;
  for (const element of elements) {
    if (element.name === 'row') current = rows[nextRow++];
    if (element.name === 'c') {
      const row = current && element.start < current.element.end ? current.row : undefined;
      const cell = parseCell(element.attributes.r ?? '');
      if (row === undefined || row < area.firstRow || !cell) continue;
      if (row === totalsRow) continue;
      if (row > area.oldLastRow) throw unsafe(target, `cell ${element.attributes.r} lies below the data area, which grows over it (move it above the data or to another sheet)`);
      if (!inArea(area, cell.column)) {
        // A sheet target has no right edge, so only cells left of it are beside it.
        const side = sideCells.get(row) ?? { left: '', right: '' };
        const cellXml = dropCachedResults(xml.slice(element.start, element.end));
        sideCells.set(row, cell.column < area.firstColumn ? { left: side.left + cellXml, right: side.right } : { left: side.left, right: side.right + cellXml });
        continue;
      }
      if (row === area.firstRow && element.attributes.s !== undefined && element.attributes.s !== '0') styles.set(cell.column, ` s="${element.attributes.s}"`);
    } else if (element.name === 'f' && current && element.start < current.element.end && current.row < area.firstRow && element.attributes.t !== 'array') {
      // Above the data the sheet is written before the row count is known, so a range there cannot follow the data.
      const formula = xml.slice(element.openEnd, Math.max(element.openEnd, xml.lastIndexOf('</', element.end - 1)));
      if (growFormula(formula, target.sheetName, area, area.oldLastRow + 1, true) !== formula) {
        throw unsafe(target, `the formula in row ${current.row} (${formula}) covers the old data range, which cannot grow there: use a structured reference (TableName[Column]) or put it on another sheet`);
      }
    } else if (element.name === 'f' && element.attributes.t === 'array') {
      const range = parseRange(element.attributes.ref ?? '');
      if (range && range.last.row >= area.firstRow && overlapsColumns(range, area)) {
        throw unsafe(target, `an array formula over ${element.attributes.ref} reaches into the data area`);
      }
      // An array formula computed from the data would keep its old size while the data grows: refused, not guessed.
      const formula = xml.slice(element.openEnd, Math.max(element.openEnd, xml.lastIndexOf('</', element.end - 1)));
      if (referencesArea(formula, target.sheetName, area)) {
        throw unsafe(target, `the array formula in ${element.attributes.ref ?? 'a cell'} is computed over the data area`);
      }
    } else if (element.name === 'mergeCell') {
      const range = parseRange(element.attributes.ref ?? '');
      if (range && range.last.row >= area.firstRow && overlapsColumns(range, area)) {
        throw unsafe(target, `the merged cells ${element.attributes.ref} cross the data area`);
      }
    }
  }
  if (totalsRow !== undefined) totals = rows.find((r) => r.row === totalsRow)?.element;

  const firstReplaced = rows.find((r) => r.row >= area.firstRow);
  const dimension = elements.find((e) => e.name === 'dimension');
  const selfClosing = sheetData.openEnd === sheetData.end;
  const closeStart = selfClosing ? sheetData.end : xml.lastIndexOf('</', sheetData.end - 1);
  const dataStart = selfClosing ? sheetData.end : (firstReplaced?.element.start ?? closeStart);
  // No <dimension>: the used range is unknown until the last row (the engine leaves it out too; readers compute it).
  // Cached formula results above the data were computed from the old data (cached-results.ts).
  const head = splice(xml.slice(0, selfClosing ? sheetData.start : dataStart), dimension ? [{ start: dimension.start, end: dimension.end, text: '' }] : []);
  const prefix = dropCachedResults(head) + (selfClosing ? xml.slice(sheetData.start, sheetData.end - 2).trimEnd() + '>' : '');
  const sheetDataName = xml.slice(sheetData.start + 1, sheetData.openEnd).match(/^[\w:]+/)?.[0] ?? 'sheetData';

  const rangeHolders = elements.filter((e) => e.name === 'autoFilter' || e.name === 'conditionalFormatting' || e.name === 'dataValidation');
  return {
    area,
    prefix,
    styles,
    sideCells,
    suffix(newLastRow) {
      const totalsXml = totals ? dropCachedResults(renumberRow(xml.slice(totals.start, totals.end), newLastRow + 1, target, area, newLastRow)) : '';
      const tail = selfClosing ? `</${sheetDataName}>` + xml.slice(sheetData.end) : xml.slice(closeStart);
      const offset = selfClosing ? sheetData.end : closeStart;
      // The sheet's autofilter, conditional formats and data validations over the old data grow with it.
      const edits = rangeHolders.flatMap((holder) => {
        const attribute = holder.name === 'autoFilter' ? 'ref' : 'sqref';
        const value = holder.attributes[attribute] ?? '';
        const grown = value.split(' ').map((text) => {
          const range = parseRange(text);
          const bigger = range && grownRange(range, area, newLastRow);
          return bigger ? formatRange(bigger) : text;
        });
        if (holder.start < offset || grown.join(' ') === value) return [];
        return [{ start: holder.start - offset, end: holder.openEnd - offset, text: withAttribute(xml, holder, attribute, grown.join(' ')) }];
      });
      return totalsXml + splice(tail, edits);
    },
  };
}

function sheetOldLastRow(elements: readonly XmlElement[], rows: readonly { element: XmlElement; row: number }[], area: DataArea): number {
  let last = area.oldLastRow;
  let next = 0;
  let current: { element: XmlElement; row: number } | undefined;
  for (const element of elements) {
    if (element.name === 'row') current = rows[next++];
    // Cells left of the target column count too: they become side cells of their rows, kept in place.
    else if (element.name === 'c' && current && element.start < current.element.end && current.row > last) last = current.row;
  }
  return last;
}

/** The totals row moved to `row`: its row and cell numbers rewritten, its formulas' ranges over the data grown. */
function renumberRow(rowXml: string, row: number, target: LocatedTarget, area: DataArea, newLastRow: number): string {
  return rowXml
    .replace(/^(<[\w:]*row\b[^>]*?\sr=")\d+"/, `$1${row}"`)
    .replace(/(<[\w:]*c\b[^>]*?\sr="[A-Z]+)\d+"/g, `$1${row}"`)
    .replace(/(<[\w:]*f\b[^>]*>)([^<]*)(<\/)/g, (_whole, open: string, formula: string, close: string) => open + growFormula(formula, target.sheetName, area, newLastRow, true) + close);
}
