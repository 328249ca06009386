// One time-zone rule for the library and the CLI: the display zone applies to instants only; dates and times show
// the calendar date and wall time they hold. Checked in zones with DST changes and half-hour offsets, around the
// changes themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import { readWithExcelJs } from '../helpers/exceljs-read.js';
import type { ExpectedCell } from '../helpers/xlsx-check.js';
import { PG_URL, tempDir } from '../sources/helpers.js';
import { finished, startCli } from './run-cli.js';

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe'];

/** [date, wall time, instant]: month ends and the instants of DST changes in the zones above. */
const VALUES: [string, string, string][] = [
  ['2024-04-01', '17:30:00', '2024-03-31T23:30:00Z'],
  ['2024-03-31', '00:00:00', '2024-03-10T07:30:00Z'], // New York springs forward
  ['2024-10-31', '02:30:00', '2024-10-27T00:30:00Z'], // Berlin falls back
  ['2024-04-30', '01:45:00', '2024-04-06T14:45:00Z'], // Lord Howe falls back by half an hour
  ['2024-12-31', '23:59:59', '2024-12-31T18:29:59Z'], // Kolkata's +05:30 crosses midnight
];

const { dir } = tempDir();

/** The wall-clock time of `instant` in `zone`, computed independently of sheetpipe (Intl). */
function wallTime(instant: string, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const field = (type: string): string => parts.find((part) => part.type === type)?.value ?? '';
  return `${field('year')}-${field('month')}-${field('day')}T${field('hour')}:${field('minute')}:${field('second')}.000`;
}

async function viaLibrary(zone: string): Promise<ExpectedCell[][]> {
  const path = join(dir, `library-${zone.replace('/', '_')}.xlsx`);
  const book = new XlsxWriter(path, { threads: 1, timeZone: zone });
  const sheet = book.addSheet('Data', { columns: [{ header: 'day', format: 'date' }, { header: 'wall', format: 'time' }, { header: 'instant', format: 'datetime' }] });
  await sheet.addBatch(VALUES.map(([day, wall, instant]) => [new Date(`${day}T00:00:00Z`), new Date(`1899-12-31T${wall}Z`), new Date(instant)]));
  await book.close();
  return (await readWithExcelJs(path))[0]?.rows ?? [];
}

async function viaCli(zone: string): Promise<ExpectedCell[][]> {
  const path = join(dir, `cli-${zone.replace('/', '_')}.xlsx`);
  const rows = VALUES.map(([day, wall, instant]) => `('${day}'::date, '${wall}'::time, '${instant}'::timestamptz)`).join(', ');
  const query = `select * from (values ${rows}) as v(day, wall, instant)`;
  const result = await finished(startCli(['export', '--source', PG_URL, '--query', query, '--out', path, '--sheet', 'Data', '--tz', zone, '--no-progress']), 120_000);
  assert.equal(result.code, 0, result.stderr);
  return (await readWithExcelJs(path))[0]?.rows ?? [];
}

for (const zone of ZONES) {
  test(`${zone}: the library and the CLI give the same cells; only instants move`, async () => {
    const expected: ExpectedCell[][] = [
      ['day', 'wall', 'instant'],
      ...VALUES.map(([day, wall, instant]) => [{ date: `${day}T00:00:00.000` }, { date: `1899-12-31T${wall}.000` }, { date: wallTime(instant, zone) }]),
    ];
    assert.deepEqual(await viaLibrary(zone), expected, 'library');
    assert.deepEqual(await viaCli(zone), expected, 'CLI');
  });
}
