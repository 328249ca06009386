/**
 * `npm run bench:template`: a template fill against a plain export of the same rows from PostgreSQL (issue 17's
 * target: at most 1.15× the time, peak RSS within 10 %). Each run is its own process (bench/template-run.ts); the two
 * alternate within each round so machine load hits both alike. Reports medians, their ratio, and peak RSS, and
 * rewrites the "Template fill" section of bench/RESULTS.md.
 *
 * Env: SHEETPIPE_BENCH_ROWS (default 1000000), SHEETPIPE_BENCH_ROUNDS (default 3),
 * SHEETPIPE_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const RUNNER = join(HERE, 'template-run.js');
const TEMPLATE = join(REPO, 'test/fixtures/template/template.xlsx');
const RESULTS = join(REPO, 'bench/RESULTS.md');
const ROWS = Number(process.env.SHEETPIPE_BENCH_ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.SHEETPIPE_BENCH_ROUNDS ?? 3);
const PG_URL = process.env.SHEETPIPE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Sample {
  ms: number;
  maxRssMiB: number;
  bytes: number;
}

async function once(out: string, template?: string): Promise<Sample> {
  const args = [RUNNER, PG_URL, String(ROWS), out, ...(template ? [template, 'table:Sales'] : [])];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1024 * 1024 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { ms: number; maxRssMiB: number; rows: number };
  if (result.rows !== ROWS) throw new Error(`expected ${ROWS} rows, got ${result.rows}`);
  const bytes = (await stat(out)).size;
  await rm(out);
  return { ms: result.ms, maxRssMiB: result.maxRssMiB, bytes };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-bench-template-'));
const plain: Sample[] = [];
const filled: Sample[] = [];
/** The 1-minute load average before each round: the machine is shared, so the numbers carry it. */
const loads: number[] = [];
try {
  await once(join(dir, 'warm.xlsx'), TEMPLATE); // warms PostgreSQL and the page cache; not recorded
  for (let round = 0; round < ROUNDS; round++) {
    loads.push(loadavg()[0] ?? 0);
    // Alternating order: neither case always runs first in a round, and each round is a pair run back to back.
    const order = round % 2 === 0 ? (['plain', 'template'] as const) : (['template', 'plain'] as const);
    for (const which of order) {
      if (which === 'plain') plain.push(await once(join(dir, 'plain.xlsx')));
      else filled.push(await once(join(dir, 'filled.xlsx'), TEMPLATE));
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS}: plain ${((plain.at(-1)?.ms ?? 0) / 1000).toFixed(2)} s, template ${((filled.at(-1)?.ms ?? 0) / 1000).toFixed(2)} s, load ${loads.at(-1)?.toFixed(2)}\n`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const row = (name: string, samples: Sample[]): string =>
  `| ${name} | ${median(samples.map((s) => s.ms / 1000)).toFixed(2)} s | ${samples.map((s) => (s.ms / 1000).toFixed(2)).join(', ')} | ${median(samples.map((s) => s.maxRssMiB)).toFixed(0)} MiB | ${(median(samples.map((s) => s.bytes)) / 1024 / 1024).toFixed(1)} MiB |`;
const timeRatio = median(filled.map((s) => s.ms)) / median(plain.map((s) => s.ms));
const rssRatio = median(filled.map((s) => s.maxRssMiB)) / median(plain.map((s) => s.maxRssMiB));
// Each round's pair ran back to back under about the same load: the median of the pairs' ratios is steadier on a
// shared machine than the ratio of the medians when the load drifts between rounds.
const pairRatio = median(filled.map((s, i) => s.ms / (plain[i] as Sample).ms));
const section = [
  '## Template fill',
  '',
  `\`npm run bench:template\` (bench/template.ts), ${new Date().toISOString().slice(0, 10)}: ${ROWS.toLocaleString('en-US')} rows × 5 columns from PostgreSQL`,
  `(generate_series), 2 render threads, ${ROUNDS} rounds alternating, each run its own process; ${cpus().length} cores shared with other work.`,
  'Template: test/fixtures/template/template.xlsx, `--into table:Sales`.',
  '',
  '| case | median | runs | peak RSS (median) | file |',
  '|---|---|---|---|---|',
  row('plain export', plain),
  row('template fill', filled),
  '',
  `Time ratio (template / plain, medians): **${timeRatio.toFixed(3)}×** (target ≤ 1.15×); median of the rounds' pair ratios ${pairRatio.toFixed(3)}×.`,
  `Peak RSS ratio: **${rssRatio.toFixed(3)}×** (target ≤ 1.10×). Load average (1 min) before the rounds: ${loads.map((l) => l.toFixed(1)).join(', ')}${Math.max(...loads) > cpus().length ? ' — **busy machine**: compare only the ratios' : ''}.`,
  '',
].join('\n');
process.stdout.write(section + '\n');

const previous = existsSync(RESULTS) ? await readFile(RESULTS, 'utf8') : '';
const start = previous.indexOf('## Template fill');
let next = previous;
if (start >= 0) {
  const end = previous.indexOf('\n## ', start + 1);
  // The section ends with one newline; the blank line before the next section is put back.
  next = previous.slice(0, start) + section + (end >= 0 ? '\n' + previous.slice(end + 1) : '');
} else {
  next = previous.trimEnd() + '\n\n' + section;
}
await writeFile(RESULTS, next);
