import { posix } from 'node:path';
import { SheetpipeError } from '../errors.js';
import type { TemplatePackage } from './package-reader.js';
import { parseRange, type CellRange, type DataArea } from './ranges.js';
import { describeTarget, type ResolvedTarget } from './target.js';
import { scanElements } from './xml-elements.js';

/** A table part the rows go into. */
export interface TargetTable {
  readonly path: string;
  readonly xml: string;
  readonly name: string;
  readonly ref: CellRange;
  readonly headerRows: number;
  readonly totalsRows: number;
}

/** Where the target lives in the package, and the data area the rows replace. */
export interface LocatedTarget {
  readonly label: string;
  readonly sheetName: string;
  readonly sheetPath: string;
  readonly area: DataArea;
  readonly table: TargetTable | undefined;
}

const REL_TABLE = /\/table$/;
const REL_WORKSHEET = /\/worksheet$/;

/** Resolves a relationship target against the part that owns the rels file. */
export function resolvePartPath(ownerPath: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  return posix.normalize(posix.join(posix.dirname(ownerPath), target));
}

export function relsPathOf(partPath: string): string {
  return posix.join(posix.dirname(partPath), '_rels', `${posix.basename(partPath)}.rels`);
}

interface Relationship {
  readonly id: string;
  readonly type: string;
  readonly target: string;
}

export async function readRelationships(pkg: TemplatePackage, ownerPath: string): Promise<Relationship[]> {
  const path = relsPathOf(ownerPath);
  if (!pkg.has(path)) return [];
  const xml = await pkg.text(path);
  return scanElements(xml, path, (name) => name === 'Relationship')
    .filter((rel) => rel.attributes.TargetMode !== 'External')
    .map((rel) => ({ id: rel.attributes.Id ?? '', type: rel.attributes.Type ?? '', target: resolvePartPath(ownerPath, rel.attributes.Target ?? '') }));
}

/** The workbook's sheets in order: name and part path (chartsheets included, so names resolve). */
export async function workbookSheets(pkg: TemplatePackage): Promise<{ name: string; path: string; isWorksheet: boolean }[]> {
  const xml = await pkg.text('xl/workbook.xml');
  const rels = new Map((await readRelationships(pkg, 'xl/workbook.xml')).map((rel) => [rel.id, rel]));
  return scanElements(xml, 'xl/workbook.xml', (name, path) => name === 'sheet' && path.at(-1) === 'sheets').map((sheet) => {
    const rid = Object.entries(sheet.attributes).find(([key]) => key.endsWith(':id'))?.[1] ?? '';
    const rel = rels.get(rid);
    return { name: sheet.attributes.name ?? '', path: rel?.target ?? '', isWorksheet: rel !== undefined && REL_WORKSHEET.test(rel.type) };
  });
}

function notFound(target: ResolvedTarget, why: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_TARGET_NOT_FOUND', [describeTarget(target), why]);
}

/** Finds the target's sheet (and table) part. Throws SHEETPIPE_ERR_TEMPLATE_TARGET_NOT_FOUND or _CORRUPT. */
export async function locateTarget(pkg: TemplatePackage, target: ResolvedTarget): Promise<LocatedTarget> {
  const sheets = await workbookSheets(pkg);
  const label = describeTarget(target);
  if (target.kind === 'sheet') {
    const sheet = sheets.find((s) => s.name.toLowerCase() === target.sheet.toLowerCase());
    if (!sheet) throw notFound(target, `the workbook has no sheet by that name (sheets: ${sheets.map((s) => JSON.stringify(s.name)).join(', ')})`);
    if (!sheet.isWorksheet || !pkg.has(sheet.path)) throw notFound(target, 'it is not a worksheet');
    const area: DataArea = { firstRow: target.cell.row, oldLastRow: target.cell.row, firstColumn: target.cell.column, lastColumn: undefined };
    return { label, sheetName: sheet.name, sheetPath: sheet.path, area, table: undefined };
  }
  for (const sheet of sheets) {
    if (!sheet.isWorksheet) continue;
    for (const rel of await readRelationships(pkg, sheet.path)) {
      if (!REL_TABLE.test(rel.type) || !pkg.has(rel.target)) continue;
      const xml = await pkg.text(rel.target);
      const [table] = scanElements(xml, rel.target, (name, path) => name === 'table' && path.length === 0);
      const name = table?.attributes.displayName ?? table?.attributes.name ?? '';
      if (!table || name.toLowerCase() !== target.table.toLowerCase()) continue;
      const ref = parseRange(table.attributes.ref ?? '');
      if (!ref) throw new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_CORRUPT', [rel.target, 'the table has no valid ref']);
      const headerRows = Number(table.attributes.headerRowCount ?? 1);
      const totalsRows = Number(table.attributes.totalsRowCount ?? 0);
      const firstRow = ref.first.row + headerRows;
      const area: DataArea = {
        firstRow,
        oldLastRow: Math.max(firstRow, ref.last.row - totalsRows),
        firstColumn: ref.first.column,
        lastColumn: ref.last.column,
      };
      return { label, sheetName: sheet.name, sheetPath: sheet.path, area, table: { path: rel.target, xml, name, ref, headerRows, totalsRows } };
    }
  }
  throw notFound(target, 'no table by that name in the workbook');
}
