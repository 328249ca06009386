import { dropCachedResults } from './cached-results.js';
import { workbookSheets, type LocatedTarget } from './locate.js';
import type { TemplatePackage } from './package-reader.js';
import { formatRange, growFormula, grownRange, parseRange } from './ranges.js';
import { scanElements, splice, withAttribute, type XmlElement } from './xml-elements.js';

/**
 * The parts outside the target sheet that follow the new data, as functions of the new last data row (known only
 * once every row is in). Everything not listed here is copied from the template byte for byte.
 *
 * - the table: `ref` (a totals row moves down with it) and its autofilter;
 * - workbook.xml: defined names (print areas included) over the old data grow; `fullCalcOnLoad` asks every reader to
 *   recompute, since the calculation chain is dropped;
 * - charts: series ranges (`c:f`) over the old data grow, and lose their stale value caches;
 * - pivot caches over the data: the source range grows, the cache is marked `invalid` and `refreshOnLoad`, so readers
 *   rebuild it from the new rows on open;
 * - calcChain.xml goes, with its relationship and content type (a stale chain makes Excel repair the file).
 */
export interface PackageEdits {
  /** Parts rewritten at the end, by path. */
  readonly rewritten: ReadonlyMap<string, (newLastRow: number) => string>;
  /** Parts left out of the output. */
  readonly dropped: ReadonlySet<string>;
}

type Edit = { start: number; end: number; text: string };
const CALC_CHAIN = 'xl/calcChain.xml';

export async function planPackageEdits(pkg: TemplatePackage, target: LocatedTarget): Promise<PackageEdits> {
  const rewritten = new Map<string, (newLastRow: number) => string>();
  const dropped = new Set<string>();
  const { area, sheetName } = target;

  if (target.table) {
    const { xml, path, ref, totalsRows } = target.table;
    const elements = scanElements(xml, path, (name, p) => (name === 'table' && p.length === 0) || (name === 'autoFilter' && p.length === 1));
    rewritten.set(path, (newLastRow) =>
      splice(
        xml,
        elements.map((element) => {
          const last = element.name === 'table' ? newLastRow + totalsRows : newLastRow;
          const range = formatRange({ first: ref.first, last: { column: ref.last.column, row: last } });
          return { start: element.start, end: element.openEnd, text: withAttribute(xml, element, 'ref', range) };
        }),
      ),
    );
  }

  const workbook = await pkg.text('xl/workbook.xml');
  const wbElements = scanElements(workbook, 'xl/workbook.xml', (name, p) => p.length === 1 || (name === 'definedName' && p.at(-1) === 'definedNames'));
  rewritten.set('xl/workbook.xml', (newLastRow) => {
    const edits: Edit[] = [];
    for (const name of wbElements.filter((e) => e.name === 'definedName')) {
      const formula = workbook.slice(name.openEnd, name.end).replace(/<\/[^>]*>$/, '');
      const grown = growFormula(formula, sheetName, area, newLastRow, false);
      if (grown !== formula) edits.push({ start: name.openEnd, end: name.openEnd + formula.length, text: grown });
    }
    edits.push(calcPrEdit(workbook, wbElements));
    return splice(workbook, edits);
  });

  if (pkg.has(CALC_CHAIN)) {
    dropped.add(CALC_CHAIN);
    await dropReferences(pkg, rewritten, CALC_CHAIN);
  }

  const worksheets = new Set((await workbookSheets(pkg)).filter((s) => s.isWorksheet && s.path !== target.sheetPath).map((s) => s.path));
  for (const entry of pkg.entries) {
    const isChart = /^xl\/charts\/chart[^/]*\.xml$/.test(entry.name);
    // Formulas on other sheets: whole-range references over the old data grow (structured references need nothing).
    // A sheet too large to edit in memory is copied as it is.
    if (isChart || (worksheets.has(entry.name) && entry.uncompressedSize <= MAX_FORMULA_SHEET)) {
      const grow = await formulaEdits(pkg, entry.name, target, !isChart);
      if (grow) rewritten.set(entry.name, grow);
    } else if (/^xl\/pivotCache\/pivotCacheDefinition[^/]*\.xml$/.test(entry.name)) {
      const xml = await pkg.text(entry.name);
      const edit = pivotEdit(xml, entry.name, target);
      if (edit) rewritten.set(entry.name, edit);
    }
  }

  return { rewritten, dropped };
}

/**
 * A cell style for `Date` values in columns the template left unformatted (else they would show as serial numbers):
 * one `xf` appended to styles.xml's cellXfs, so existing style indices stay valid.
 */
export async function dateStyleEdit(pkg: TemplatePackage): Promise<{ style: string; xml: string } | undefined> {
  if (!pkg.has('xl/styles.xml')) return undefined;
  const styles = await pkg.text('xl/styles.xml');
  const [cellXfs] = scanElements(styles, 'xl/styles.xml', (name, p) => name === 'cellXfs' && p.length === 1);
  if (!cellXfs || cellXfs.openEnd === cellXfs.end) return undefined;
  const count = scanElements(styles.slice(cellXfs.start, cellXfs.end), 'xl/styles.xml', (name, p) => name === 'xf' && p.length === 1).length;
  const close = styles.lastIndexOf('</', cellXfs.end - 1);
  // Built-in format 22 (`m/d/yyyy h:mm`, shown in the reader's locale).
  const xf = '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>';
  const xml = splice(styles, [
    { start: cellXfs.start, end: cellXfs.openEnd, text: withAttribute(styles, cellXfs, 'count', String(count + 1)) },
    { start: close, end: close, text: xf },
  ]);
  return { style: ` s="${count}"`, xml };
}

const MAX_FORMULA_SHEET = 16 * 1024 * 1024;

/**
 * A chart series whose range grows loses the cache beside its `c:f` (`c:numCache`, `c:strCache`,
 * `c:multiLvlStrCache`: optional in CT_NumRef, CT_StrRef and CT_MultiLvlStrRef). The cache holds the template's old
 * values; a reader that draws from it instead of the cells would show old numbers as current. Rewriting it instead
 * would mean keeping every value of the series' columns during the fill (100,000s of points in the chart part) for
 * readers that recompute anyway: Excel and LibreOffice read the cells when the cache is missing. Series that do not
 * grow (a title cell, another sheet) keep theirs, and the rest of the chart is left byte for byte.
 */
const CHART_CACHES = new Set(['numCache', 'strCache', 'multiLvlStrCache']);

/**
 * Grows the ranges over the old data in a part's `<f>` elements (chart series, cell formulas); a grown chart series
 * loses its value cache (CHART_CACHES), a worksheet its formulas' cached results (cached-results.ts). Undefined when
 * nothing changes.
 */
async function formulaEdits(pkg: TemplatePackage, path: string, target: LocatedTarget, worksheet: boolean): Promise<((newLastRow: number) => string) | undefined> {
  const xml = await pkg.text(path);
  if (!xml.includes('f>')) return undefined;
  const elements = scanElements(xml, path, (name) => name === 'f' || (!worksheet && CHART_CACHES.has(name)));
  const caches = elements.filter((e) => e.name !== 'f');
  const edits = (newLastRow: number): Edit[] =>
    elements.flatMap((f) => {
      if (f.name !== 'f' || f.openEnd === f.end) return [];
      const text = xml.slice(f.openEnd, xml.lastIndexOf('</', f.end - 1));
      const grown = growFormula(text, target.sheetName, target.area, newLastRow, false);
      if (grown === text) return [];
      const cache = caches.find((c) => c.start >= f.end && xml.slice(f.end, c.start).trim() === '');
      const dropCache = cache ? [{ start: cache.start, end: cache.end, text: '' }] : [];
      return [{ start: f.openEnd, end: f.openEnd + text.length, text: grown }, ...dropCache];
    });
  const finish = worksheet ? dropCachedResults : (text: string): string => text;
  // Growing by one row shows whether anything covers the data at all.
  const changes = edits(target.area.oldLastRow + 1).length > 0 || finish(xml) !== xml;
  return changes ? (newLastRow) => finish(splice(xml, edits(newLastRow))) : undefined;
}

/** `<calcPr fullCalcOnLoad="1">`: an existing calcPr gets the flag; otherwise one is added in schema order. */
function calcPrEdit(xml: string, elements: readonly XmlElement[]): Edit {
  const calcPr = elements.find((e) => e.name === 'calcPr');
  if (calcPr) return { start: calcPr.start, end: calcPr.openEnd, text: withAttribute(xml, calcPr, 'fullCalcOnLoad', '1') };
  // CT_Workbook: … sheets, functionGroups, externalReferences, definedNames, calcPr, …
  const before = ['definedNames', 'externalReferences', 'functionGroups', 'sheets'];
  const anchor = before.map((name) => elements.find((e) => e.name === name)).find((e) => e !== undefined);
  const at = anchor?.end ?? xml.lastIndexOf('</');
  const prefix = xml.slice(xml.indexOf('<', xml.indexOf('?>') + 2) + 1).match(/^(\w+:)?workbook\b/)?.[1] ?? '';
  return { start: at, end: at, text: `<${prefix}calcPr fullCalcOnLoad="1"/>` };
}

function pivotEdit(xml: string, path: string, target: LocatedTarget): ((newLastRow: number) => string) | undefined {
  const elements = scanElements(xml, path, (name, p) => (name === 'pivotCacheDefinition' && p.length === 0) || name === 'worksheetSource');
  const definition = elements.find((e) => e.name === 'pivotCacheDefinition');
  const source = elements.find((e) => e.name === 'worksheetSource');
  if (!definition || !source) return undefined;
  const byTable = target.table !== undefined && source.attributes.name?.toLowerCase() === target.table.name.toLowerCase();
  const range = source.attributes.sheet === target.sheetName ? parseRange(source.attributes.ref ?? '') : undefined;
  if (!byTable && !(range && grownRange(range, target.area, target.area.oldLastRow + 1))) return undefined;
  return (newLastRow) => {
    // `invalid` marks the cached records stale (no old numbers are shown); `refreshOnLoad` rebuilds them on open.
    const tag = withAttribute(xml, definition, 'refreshOnLoad', '1');
    const edits: Edit[] = [{ start: definition.start, end: definition.openEnd, text: withAttribute(tag, { ...definition, start: 0, openEnd: tag.length }, 'invalid', '1') }];
    const grown = range && grownRange(range, target.area, newLastRow);
    if (grown) edits.push({ start: source.start, end: source.openEnd, text: withAttribute(xml, source, 'ref', formatRange(grown)) });
    return splice(xml, edits);
  };
}

/** Removes a dropped part's relationship from the workbook and its override from [Content_Types].xml. */
async function dropReferences(pkg: TemplatePackage, rewritten: Map<string, (newLastRow: number) => string>, part: string): Promise<void> {
  const relsPath = 'xl/_rels/workbook.xml.rels';
  const rels = await pkg.text(relsPath);
  const relEdits = scanElements(rels, relsPath, (name) => name === 'Relationship')
    .filter((rel) => rel.attributes.Target === part.slice(3) || rel.attributes.Target === `/${part}`)
    .map((rel) => ({ start: rel.start, end: rel.end, text: '' }));
  const relsText = splice(rels, relEdits);
  rewritten.set(relsPath, () => relsText);
  const types = await pkg.text('[Content_Types].xml');
  const typeEdits = scanElements(types, '[Content_Types].xml', (name) => name === 'Override')
    .filter((o) => o.attributes.PartName === `/${part}`)
    .map((o) => ({ start: o.start, end: o.end, text: '' }));
  const typesText = splice(types, typeEdits);
  rewritten.set('[Content_Types].xml', () => typesText);
}
