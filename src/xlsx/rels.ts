import type { PackagePart, Relationship } from './package-manifest.js';
import { NS, XML_DECLARATION } from './xml.js';

/** A part's path as a target relative to the folder of the `.rels` owner: the package root, `xl/` or `xl/worksheets/`. */
function targetFrom(from: Relationship['from'], path: string): string {
  if (from === 'package') return path;
  const inXl = path.slice('xl/'.length);
  return from === 'workbook' ? inXl : `../${inXl}`;
}

/** The `.rels` of `from` (of worksheet `sheet`): its parts of the manifest, in manifest order. */
function relationshipsXml(parts: readonly PackagePart[], from: Relationship['from'], sheet?: number): string {
  const body = parts
    .filter((part) => part.relationship.from === from && part.relationship.sheet === sheet)
    .map((part) => {
      const target = targetFrom(from, part.path);
      return `<Relationship Id="${part.relationship.id}" Type="${part.relationship.type}" Target="${target}"/>`;
    })
    .join('');
  return `${XML_DECLARATION}<Relationships xmlns="${NS.packageRelationships}">${body}</Relationships>`;
}

/** `_rels/.rels`: the package's entry points (workbook, document properties). */
export function packageRelsXml(parts: readonly PackagePart[]): string {
  return relationshipsXml(parts, 'package');
}

/** `xl/_rels/workbook.xml.rels`: the worksheets, styles and (if written) shared strings. */
export function workbookRelsXml(parts: readonly PackagePart[]): string {
  return relationshipsXml(parts, 'workbook');
}

/** `xl/worksheets/_rels/sheetN.xml.rels`: the worksheet's table. */
export function worksheetRelsXml(parts: readonly PackagePart[], sheet: number): string {
  return relationshipsXml(parts, 'worksheet', sheet);
}
