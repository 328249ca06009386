/**
 * The web console end to end, in Debian's Chromium against the real service on loopback with real PostgreSQL:
 * a wrong token's message; sign in; a wrong parameter's API message next to its field; run a report with
 * parameters, watch it reach 100 %, download the file and check it with the real xlsx readers; find the
 * scheduled job in the history and download it; a narrow token sees only its reports and no Operations page;
 * cancel a long export and see its query leave pg_stat_activity; the Operations page shows non-zero percentiles
 * after a burst; a multi-sheet report's run page lists its sheets. Every page passes axe-core (no serious violations) and is photographed at laptop and phone width.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PG_URL, busyBackends, dropPgTable, makePgOrders, slowQuery, uniqueName, until } from '../service/helpers/data.js';
import { TOKEN, auth, makeTempDir, removeDir, startServer, type TestServer } from '../service/helpers/server.js';
import { orderRows, range, xlsxCheck } from '../service/helpers/xlsx-check.js';
import { LAPTOP, PHONE, assertAccessible, launchChromium, screenshotDir } from './helpers/browser.js';

const ANALYST = 'console-analyst-token';
const TIMEOUT = 30_000;

interface Setup {
  readonly server: TestServer;
  readonly browser: Browser;
  readonly page: Page;
  readonly dir: string;
  readonly shots: string;
  readonly marker: string;
  readonly cspErrors: string[];
}

/** A photo of the page at both widths (back to laptop width after). */
async function photograph({ page, shots }: Setup, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}-laptop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(LAPTOP);
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the console in Chromium: sign in, run, watch, download, history, cancel, operations', { timeout: 300_000 }, async (t) => {
  const dir = await makeTempDir('sheetpipe-console-e2e-');
  const table = await makePgOrders(200);
  const marker = uniqueName('console_slow');
  // The schedule fires once a minute, a few seconds from now (a 6-field cron: seconds first).
  const second = (new Date().getUTCSeconds() + 4) % 60;
  const server = await startServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: {
      orders: {
        source: 'pg', sheet: 'Orders', description: 'Orders in an id range',
        query: `select id, amount, note from ${table} where id between :minId and :maxId order by id`,
        params: { minId: { type: 'integer', default: 1, description: 'First order id' }, maxId: { type: 'integer', description: 'Last order id' } },
      },
      slow: { source: 'pg', sheet: 'Slow', query: slowQuery(marker), description: 'Runs until cancelled' },
      book: {
        source: 'pg', title: 'Order book', about: true, params: { minId: { type: 'integer', default: 1 } },
        sheets: [
          { name: 'Order lines', query: `select id, amount from ${table} where id >= :minId order by id`, table: {} },
          { name: 'Summary', query: `select count(*) as n from ${table} where id >= :minId` },
        ],
      },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }, { name: 'analyst', token: ANALYST, reports: ['orders'] }],
    schedules: [{ name: 'nightly', cron: `${second} * * * * *`, report: 'orders', params: { minId: 1, maxId: 5 }, jitterSeconds: 0 }],
  });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: LAPTOP, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    const cspErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspErrors.push(message.text());
    });
    const setup: Setup = { server, browser, page, dir, shots: await screenshotDir(dir), marker, cspErrors };
    const { url } = server;
    let runJobId = '';

    await t.test('a wrong token gets a clear message', async () => {
      await page.goto(`${url}/`);
      await page.getByRole('heading', { name: 'Sign in to sheetpipe' }).waitFor();
      // The budget is ≤ 1 s (docs/console.md); reported, not asserted: a loaded CI machine says little about it.
      t.diagnostic(`first contentful paint: ${await page.evaluate("Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1)")} ms`);
      await assertAccessible(page, 'sign-in');
      await photograph(setup, 'signin');
      // By keyboard: Tab from the heading reaches the token field, Enter submits.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement?.id'), 'token');
      await page.keyboard.type('not-a-token');
      await page.keyboard.press('Enter');
      await page.getByText('refused the token: it is wrong or has been revoked').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /invalid bearer token/);
      assert.equal(await page.evaluate('sessionStorage.length'), 0, 'a refused token is not kept');
    });

    await t.test('a narrow token sees only its reports and no Operations page', async () => {
      await signIn(page, ANALYST);
      await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
      await page.getByRole('heading', { name: 'orders' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: 'slow' }).count(), 0);
      assert.equal(await page.getByRole('link', { name: 'Operations' }).count(), 0);
      assert.ok(!page.url().includes(ANALYST), 'the token is never in the URL');
      await assertAccessible(page, 'reports');
      await photograph(setup, 'reports');
      await page.goto(`${url}/#/ops`);
      await page.getByText('needs a token whose reports include "*"').waitFor();
      await page.goto(`${url}/#/reports`);
    });

    await t.test('a wrong parameter shows the API\'s message next to its field', async () => {
      const maxId = page.getByLabel('maxId (required)');
      await maxId.fill('1.5');
      await page.getByRole('button', { name: 'Run orders' }).click();
      const message = page.locator('#orders-maxId-error');
      await message.waitFor();
      assert.match(await message.innerText(), /parameter maxId: expected a whole number/);
      assert.equal(await maxId.getAttribute('aria-invalid'), 'true');
      assert.match((await maxId.getAttribute('aria-describedby')) ?? '', /orders-maxId-error/);
      await assertAccessible(page, 'reports with a field error');
    });

    await t.test('run a report with parameters, watch it reach 100 %, download and check the file', async () => {
      await page.getByLabel('minId').fill('3');
      await page.getByLabel('maxId (required)').fill('42');
      await page.getByRole('button', { name: 'Run orders' }).click();
      await page.waitForURL(/#\/jobs\/[\w-]+$/);
      runJobId = (/#\/jobs\/([\w-]+)$/.exec(page.url()) as RegExpExecArray)[1] as string;
      await page.locator('.status[data-status="succeeded"]').waitFor();
      assert.equal(await page.locator('.percent').innerText(), '100 %');
      assert.equal(await page.locator('progress').evaluate((bar) => (bar as unknown as { value: number }).value), 100);
      assert.equal(await page.getByTestId('rows').innerText(), '40');
      assert.match(await page.getByTestId('size').innerText(), /^[\d.]+ KB$/, 'the final file size');
      await assertAccessible(page, 'job');
      await photograph(setup, 'job');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download xlsx' }).click()]);
      const file = join(dir, 'run.xlsx');
      await download.saveAs(file);
      const check = await xlsxCheck(file, 'Orders', orderRows(range(3, 42)));
      assert.equal(check.code, 0, check.output);
    });

    await t.test('the scheduled job is in the history and downloads', async () => {
      await until(async () => {
        const response = await fetch(`${url}/v1/exports?schedule=nightly&status=succeeded`, { headers: auth(ANALYST) });
        return ((await response.json()) as { exports: unknown[] }).exports.length > 0;
      }, 90_000, 'the scheduled export');
      await page.getByRole('link', { name: 'History' }).click();
      await page.getByRole('heading', { name: 'History' }).waitFor();
      const row = page.locator('tr', { hasText: '(schedule nightly)' }).filter({ hasText: 'succeeded' }).first();
      await row.waitFor();
      await page.getByRole('heading', { name: 'Schedules' }).waitFor();
      await assertAccessible(page, 'history');
      await photograph(setup, 'history');
      const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: /^Download/ }).click()]);
      const file = join(dir, 'scheduled.xlsx');
      await download.saveAs(file);
      const check = await xlsxCheck(file, 'Orders', orderRows(range(1, 5)));
      assert.equal(check.code, 0, check.output);
      // Re-run: the same report and parameters, as a new export.
      await page.locator(`tr[data-job="${runJobId}"]`).getByRole('button', { name: /^Re-run/ }).click();
      await page.waitForURL((next) => /#\/jobs\/[\w-]+$/.test(next.hash) && !next.hash.endsWith(runJobId));
      await page.locator('.status[data-status="succeeded"]').waitFor();
      assert.equal(await page.getByTestId('rows').innerText(), '40');
      await page.getByRole('link', { name: 'All exports' }).click();
      await page.getByRole('heading', { name: 'History' }).waitFor();
      // The status filter asks the API: only failed jobs, and there are none.
      await page.getByLabel('Status').selectOption('failed');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByText('No exports match.').waitFor();
    });

    await t.test('cancel a long export: its query leaves pg_stat_activity', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(page, TOKEN);
      await page.getByRole('link', { name: 'Reports' }).click();
      await page.getByRole('heading', { name: 'slow' }).waitFor();
      await page.getByRole('button', { name: 'Run slow' }).click();
      await page.waitForURL(/#\/jobs\/[\w-]+$/);
      await page.locator('.status[data-status="running"]').waitFor();
      await until(async () => (await busyBackends(marker)) > 0, TIMEOUT, 'the slow query to run');
      await page.getByRole('button', { name: 'Cancel export' }).click();
      await page.locator('.status[data-status="canceled"]').waitFor();
      await until(async () => (await busyBackends(marker)) === 0, TIMEOUT, 'the slow query to leave pg_stat_activity');
    });

    await t.test('the run page of a multi-sheet report lists its sheets and the About sheet', async () => {
      await page.getByRole('link', { name: 'Reports' }).click();
      const card = page.getByRole('region', { name: 'book' });
      const sheets = card.getByRole('list', { name: 'Sheets of “Order book”' });
      await sheets.waitFor();
      assert.deepEqual(await sheets.getByRole('listitem').allInnerTexts(), ['Order lines (table)', 'Summary', 'About (what ran, when, with which parameters)']);
      assert.deepEqual(await card.getByLabel('Format').locator('option').allInnerTexts(), ['xlsx'], 'a multi-sheet report is xlsx only');
      await assertAccessible(page, 'reports with a multi-sheet report');
    });

    await t.test('the Operations page shows non-zero percentiles after a burst', async () => {
      await Promise.all(Array.from({ length: 100 }, () => fetch(`${url}/v1/reports`, { headers: auth() }).then((response) => response.arrayBuffer())));
      await page.getByRole('link', { name: 'Operations' }).click();
      await page.getByRole('heading', { name: 'Operations' }).waitFor();
      // The window leaves out the second in progress: wait for a poll after the burst's second ended.
      await page.getByTestId('p999').filter({ hasText: /^[\d.]+ ms$/ }).waitFor();
      for (const id of ['p50', 'p99', 'p999']) {
        const text = await page.getByTestId(id).innerText();
        assert.ok(Number.parseFloat(text) > 0, `${id}: ${text}`);
      }
      assert.equal(await page.getByTestId('level').innerText(), 'ok');
      const slowest = page.getByRole('region', { name: 'Slowest recent requests' });
      await slowest.getByRole('cell', { name: 'GET /v1/reports' }).first().waitFor();
      assert.equal(await slowest.getByText('/events').count(), 0, 'event streams are not "slow requests"');
      await page.locator('.chart canvas').first().waitFor();
      await assertAccessible(page, 'operations');
      await photograph(setup, 'operations');
    });

    assert.deepEqual(cspErrors, [], 'the console runs under its own CSP without violations');
  } finally {
    await browser?.close();
    await server.close();
    await dropPgTable(table);
    await removeDir(dir);
  }
});
