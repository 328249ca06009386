import { NS, XML_DECLARATION } from './xml.js';

const TYPE = {
  officeDocument: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument',
  coreProperties: 'http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties',
  extendedProperties: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties',
  customProperties: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties',
  worksheet: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet',
  styles: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles',
  sharedStrings: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings',
} as const;

interface Relationship {
  readonly id: string;
  readonly type: string;
  readonly target: string;
}

function relationships(entries: readonly Relationship[]): string {
  const body = entries.map((e) => `<Relationship Id="${e.id}" Type="${e.type}" Target="${e.target}"/>`).join('');
  return `${XML_DECLARATION}<Relationships xmlns="${NS.packageRelationships}">${body}</Relationships>`;
}

/** `_rels/.rels`: the package's entry points. Only parts that are written get a relationship. */
export function packageRelsXml(hasCustomProperties: boolean): string {
  const entries: Relationship[] = [
    { id: 'rId1', type: TYPE.officeDocument, target: 'xl/workbook.xml' },
    { id: 'rId2', type: TYPE.coreProperties, target: 'docProps/core.xml' },
    { id: 'rId3', type: TYPE.extendedProperties, target: 'docProps/app.xml' },
  ];
  if (hasCustomProperties) entries.push({ id: 'rId4', type: TYPE.customProperties, target: 'docProps/custom.xml' });
  return relationships(entries);
}

/** `xl/_rels/workbook.xml.rels`: rId1…N are the worksheets, then styles and (if written) shared strings. */
export function workbookRelsXml(sheetCount: number, hasSharedStrings: boolean): string {
  const entries: Relationship[] = Array.from({ length: sheetCount }, (_, i) => ({
    id: `rId${i + 1}`,
    type: TYPE.worksheet,
    target: `worksheets/sheet${i + 1}.xml`,
  }));
  entries.push({ id: `rId${sheetCount + 1}`, type: TYPE.styles, target: 'styles.xml' });
  if (hasSharedStrings) entries.push({ id: `rId${sheetCount + 2}`, type: TYPE.sharedStrings, target: 'sharedStrings.xml' });
  return relationships(entries);
}
