/** Writes a two-sheet workbook with typed columns and an explicit formula: `node dist/examples/write-workbook.js out.xlsx`. */
import { XlsxWriter, formula } from 'sheetpipe';

const out = process.argv[2] ?? 'example.xlsx';
const book = new XlsxWriter(out, { properties: { title: 'Example', creator: 'sheetpipe examples' } });

const orders = book.addSheet('Orders', {
  columns: [
    { header: 'id', format: 'integer' },
    { header: 'amount', format: 'currency' },
    { header: 'placed', format: 'datetime' },
    { header: 'status', sharedStrings: true },
  ],
  autoFilter: true,
});
for (let id = 1; id <= 10_000; id++) {
  await orders.addRow([id, id * 1.25, new Date(Date.UTC(2024, 0, 1) + id * 60_000), id % 3 === 0 ? 'refunded' : 'paid']);
}

const totals = book.addSheet('Totals', { columns: [{ header: 'what' }, { header: 'value', format: 'currency' }] });
await totals.addRow(['sum of amounts', formula("SUM(Orders!B2:B10001)")]);
await totals.addRow(['=not a formula, just text', null]);

const summary = await book.close();
console.log(`wrote ${summary.rows} rows to ${out} (${summary.bytes} bytes, sheets: ${summary.sheets.join(', ')})`);
