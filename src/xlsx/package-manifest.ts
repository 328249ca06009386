/**
 * The package's parts, computed once from one options struct (the way rust_xlsxwriter's packager
 * drives every part from one): each part's path, content type and relationship (from the package
 * or from the workbook, with its rId). `[Content_Types].xml`, `_rels/.rels`,
 * `xl/_rels/workbook.xml.rels` and the workbook's sheet list are all rendered from it, so a part
 * can never be written without its content type or relationship, nor declared without being written.
 */
const SPREADSHEET = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
const OFFICE_RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export interface PackageOptions {
  readonly sheetCount: number;
  /** The shared string table has entries (an empty one is not written). */
  readonly sharedStrings: boolean;
  /** Custom document properties were given (docProps/custom.xml). */
  readonly customProperties: boolean;
  /** Excel tables: each one's id (1, 2, … across the workbook) and the worksheet (1-based) that holds it. */
  readonly tables?: readonly TableRef[];
}

export interface TableRef {
  readonly id: number;
  readonly sheet: number;
}

export interface Relationship {
  /** Whose `.rels` lists it. */
  readonly from: 'package' | 'workbook' | 'worksheet';
  /** For `worksheet`: which one (1-based). */
  readonly sheet?: number;
  readonly id: string;
  readonly type: string;
}

export interface PackagePart {
  /** Path inside the zip, without a leading slash. */
  readonly path: string;
  readonly contentType: string;
  readonly relationship: Relationship;
}

/** The path of worksheet `index` (1-based), where its chunks are written. */
export function worksheetPath(index: number): string {
  return `xl/worksheets/sheet${index}.xml`;
}

/** The workbook's relationship id of worksheet `index` (1-based): the worksheets come first, rId1…N. */
export function worksheetRelId(index: number): string {
  return `rId${index}`;
}

/** The path of table `id`. */
export function tablePath(id: number): string {
  return `xl/tables/table${id}.xml`;
}

/** The `.rels` part of worksheet `index` (1-based). */
export function worksheetRelsPath(index: number): string {
  return `xl/worksheets/_rels/sheet${index}.xml.rels`;
}

/** A worksheet's relationship id of its table (`<tablePart r:id>`): a sheet holds at most one table. */
export const TABLE_REL_ID = 'rId1';

/** Every part of the package in `[Content_Types].xml` order; each `.rels` lists its own in this order. */
export function packageManifest(options: PackageOptions): readonly PackagePart[] {
  const { sheetCount } = options;
  const workbook = (id: number, type: string): Relationship => ({ from: 'workbook', id: `rId${id}`, type: `${OFFICE_RELS}/${type}` });
  const pkg = (id: number, type: string): Relationship => ({ from: 'package', id: `rId${id}`, type });
  return [
    { path: 'xl/workbook.xml', contentType: `${SPREADSHEET}.sheet.main+xml`, relationship: pkg(1, `${OFFICE_RELS}/officeDocument`) },
    ...Array.from({ length: sheetCount }, (_, i): PackagePart => ({
      path: worksheetPath(i + 1),
      contentType: `${SPREADSHEET}.worksheet+xml`,
      relationship: { ...workbook(i + 1, 'worksheet'), id: worksheetRelId(i + 1) },
    })),
    ...(options.tables ?? []).map((table): PackagePart => ({
      path: tablePath(table.id),
      contentType: `${SPREADSHEET}.table+xml`,
      relationship: { from: 'worksheet', sheet: table.sheet, id: TABLE_REL_ID, type: `${OFFICE_RELS}/table` },
    })),
    { path: 'xl/styles.xml', contentType: `${SPREADSHEET}.styles+xml`, relationship: workbook(sheetCount + 1, 'styles') },
    ...(options.sharedStrings
      ? [{ path: 'xl/sharedStrings.xml', contentType: `${SPREADSHEET}.sharedStrings+xml`, relationship: workbook(sheetCount + 2, 'sharedStrings') }]
      : []),
    {
      path: 'docProps/core.xml',
      contentType: 'application/vnd.openxmlformats-package.core-properties+xml',
      relationship: pkg(2, 'http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties'),
    },
    { path: 'docProps/app.xml', contentType: `application/vnd.openxmlformats-officedocument.extended-properties+xml`, relationship: pkg(3, `${OFFICE_RELS}/extended-properties`) },
    ...(options.customProperties
      ? [{ path: 'docProps/custom.xml', contentType: 'application/vnd.openxmlformats-officedocument.custom-properties+xml', relationship: pkg(4, `${OFFICE_RELS}/custom-properties`) }]
      : []),
  ];
}
