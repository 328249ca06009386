/**
 * One measured export for `npm run bench:template`, in its own process so its peak RSS is its own:
 * `node dist/bench/template-run.js PG_URL ROWS OUT [TEMPLATE INTO]` prints `{"ms":…,"maxRssMiB":…,"rows":…}`.
 */
import { runExport } from '../src/pipeline/index.js';

const [url, rowsText, out, template, into] = process.argv.slice(2);
const rows = Number(rowsText);
// PostgreSQL generates the rows: the columns of the template's table (id, text, date, integer, double).
const query = `select g as id, case g % 3 when 0 then 'North' when 1 then 'Süd' else 'East & <West>' end as region,
  date '2024-01-01' + (g % 365) as sold_on, g % 17 as quantity, ((g % 1000) * 0.25)::float8 as amount
  from generate_series(1, ${rows}) g`;
const started = performance.now();
const result = await runExport({
  source: url as string,
  query,
  out: out as string,
  threads: 2,
  ...(template && into ? { template: { file: template, into } } : {}),
});
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, rows: result.rows }) + '\n');
