/**
 * The package manifest (src/xlsx/package-manifest.ts) is the one source of the parts' paths, content types and
 * relationships: every combination of optional parts gives unique ids per `.rels`, and the workbook's sheet list
 * points at exactly the worksheets' relationships. (The golden files check the bytes of what is rendered from it.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageManifest, worksheetPath } from '../../src/xlsx/package-manifest.js';
import { workbookRelsXml } from '../../src/xlsx/rels.js';
import { workbookXml } from '../../src/xlsx/workbook-part.js';

test('every combination of parts has unique relationship ids, and the sheet list points at the worksheets', () => {
  for (const sheetCount of [1, 3]) {
    for (const sharedStrings of [false, true]) {
      for (const customProperties of [false, true]) {
        const parts = packageManifest({ sheetCount, sharedStrings, customProperties });
        const label = JSON.stringify({ sheetCount, sharedStrings, customProperties });
        for (const from of ['package', 'workbook'] as const) {
          const ids = parts.filter((part) => part.relationship.from === from).map((part) => part.relationship.id);
          assert.equal(new Set(ids).size, ids.length, `${label}: ${from} ids ${ids.join(',')}`);
        }
        assert.equal(parts.some((part) => part.path === 'xl/sharedStrings.xml'), sharedStrings, label);
        assert.equal(parts.some((part) => part.path === 'docProps/custom.xml'), customProperties, label);
        const rels = workbookRelsXml(parts);
        const sheets = Array.from({ length: sheetCount }, (_, i) => ({ name: `S${i + 1}` }));
        const listed = [...workbookXml(sheets, false).matchAll(/r:id="(rId\d+)"/g)].map((match) => match[1]);
        listed.forEach((id, i) => assert.ok(rels.includes(`Id="${id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="${worksheetPath(i + 1).slice(3)}"`), `${label}: ${id}`));
      }
    }
  }
});
