/** Case `db-sheetpipe`: the PostgreSQL table exported to .xlsx by sheetpipe's runExport. */
import { runExport } from '../../src/pipeline/index.js';
import { runCase } from './child.js';

runCase(async ({ out, threads, source, query }) => {
  const result = await runExport({ source, query, out, threads, sheet: 'Data' });
  return result.rows;
});
