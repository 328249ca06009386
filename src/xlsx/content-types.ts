import type { PackagePart } from './package-manifest.js';
import { NS, XML_DECLARATION } from './xml.js';

/** `[Content_Types].xml`: one override per part of the manifest (package-manifest.ts), nothing for parts not written. */
export function contentTypesXml(parts: readonly PackagePart[]): string {
  return (
    XML_DECLARATION +
    `<Types xmlns="${NS.contentTypes}">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    parts.map((part) => `<Override PartName="/${part.path}" ContentType="${part.contentType}"/>`).join('') +
    '</Types>'
  );
}
