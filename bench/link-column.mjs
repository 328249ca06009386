// A measured note for docs/reports.md (links as HYPERLINK formulas): one 200k-row sheet with or without a link column.
// node bench/link-column.mjs links|plain [out-dir]  -> JSON {mode, ms, maxRssMB}; run each in its own process (maxRSS).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XlsxWriter } from '../dist/src/xlsx/workbook-writer.js';
const mode = process.argv[2];
const out = join(process.argv[3] ?? tmpdir(), `link-column-${mode}.xlsx`);
const N = 200_000;
const t0 = performance.now();
const book = new XlsxWriter(out, { threads: 2, deterministic: true });
const sheet = book.addSheet('Orders', { columns: [{ header: 'id' }, { header: 'amount' }, { header: 'customer' }, { header: 'url', ...(mode === 'links' ? { hyperlink: true } : {}) }] });
const batch = [];
for (let i = 1; i <= N; i++) {
  batch.push([i, (i % 1000) / 7, `customer ${i % 5000}`, `https://shop.example/orders/ORD-${String(i).padStart(8, '0')}`]);
  if (batch.length === 1000) { await sheet.addBatch(batch.splice(0)); }
}
await book.close();
console.log(JSON.stringify({ mode, ms: Math.round(performance.now() - t0), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
