import type { PackagePart, Relationship } from './package-manifest.js';
import { NS, XML_DECLARATION } from './xml.js';

/** The `.rels` of `from`: its parts of the manifest, with targets relative to it (the workbook's are under `xl/`). */
function relationshipsXml(parts: readonly PackagePart[], from: Relationship['from']): string {
  const body = parts
    .filter((part) => part.relationship.from === from)
    .map((part) => {
      const target = from === 'workbook' ? part.path.slice('xl/'.length) : part.path;
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
