import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSheetpipeError } from '../../src/errors.js';
import { loadConfig } from '../../src/service/config/load.js';
import { validateConfig } from '../../src/service/config/validate.js';
import { planJobQuery } from '../../src/service/export-plan.js';

/** The exact shape from the issue: operators' tooling generates it, so it must load unchanged. */
const ISSUE_SHAPE = {
  sources: { sales: { url: 'postgres://reader@127.0.0.1/sales' }, demo: { url: 'sqlite:./demo.db' } },
  reports: {
    orders: {
      source: 'demo',
      query: 'select * from orders where amount >= :min order by id',
      params: { min: { type: 'number', default: 0 } },
      sheet: 'Orders',
    },
  },
  tokens: [{ token: 's3cret-token', reports: ['orders'] }, { tokenEnv: 'OPS_TOKEN', reports: ['*'] }],
  limits: { concurrentExports: 2, queueLength: 100, memoryLimitMb: 1024 },
  storage: { dir: './exports', retentionHours: 24 },
  schedules: [{ cron: '0 3 * * *', report: 'orders', params: { min: 100 } }],
};

const base = { baseDir: '/etc/sheetpipe', defaultMemoryLimitMb: 2048, env: { OPS_TOKEN: 'ops', DB_PASSWORD: 'p@ss' } };

function configErrorAt(raw: unknown, key: string, problem?: RegExp): void {
  assert.throws(() => validateConfig(raw, base), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_CONFIG'), String(error));
    assert.ok(error.message.includes(`at ${key}:`), `expected the error to name ${key}: ${error.message}`);
    if (problem) assert.match(error.message, problem);
    return true;
  });
}

const withReport = (report: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown => ({
  sources: { demo: { url: 'sqlite:./demo.db' }, pg: { url: 'postgres://u@127.0.0.1/db' } },
  reports: { r: { source: 'demo', ...report } },
  ...extra,
});

test('the issue\'s config shape loads from a file, with paths relative to the file\'s folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-config-'));
  try {
    const file = join(dir, 'sheetpipe.json');
    await writeFile(file, JSON.stringify(ISSUE_SHAPE));
    const config = await loadConfig(file, { env: { OPS_TOKEN: 'ops-secret' } });
    assert.equal(config.sources.get('demo')?.url, `sqlite:${join(dir, 'demo.db')}`);
    assert.equal(config.sources.get('sales')?.url, 'postgres://reader@127.0.0.1/sales');
    assert.equal(config.sources.get('sales')?.adHocSql, false, 'ad-hoc SQL is off by default');
    assert.equal(config.storage.dir, join(dir, 'exports'));
    assert.equal(config.storage.retentionHours, 24);
    assert.deepEqual(config.reports.get('orders')?.params.get('min'), { type: 'number', default: 0 });
    assert.equal(config.tokens[1]?.token, 'ops-secret');
    assert.equal(config.tokens[1]?.allReports, true);
    assert.deepEqual([...(config.tokens[0]?.reports ?? [])], ['orders']);
    assert.deepEqual(config.schedules[0]?.params, { min: 100 });
    assert.equal(config.limits.memoryLimitMb, 1024);
    assert.equal(config.server.host, '127.0.0.1', 'binds loopback unless told otherwise');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing or unparsable file is a config error naming the file', async () => {
  await assert.rejects(loadConfig('/nonexistent/sheetpipe.json'), /invalid configuration at \/nonexistent\/sheetpipe\.json: cannot read the file: ENOENT/);
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-config-'));
  try {
    await writeFile(join(dir, 'bad.json'), '{ "sources": ');
    await assert.rejects(loadConfig(join(dir, 'bad.json')), /bad\.json: not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('${ENV} in URLs is expanded; an unset variable names the key and the variable', () => {
  const config = validateConfig({ sources: { pg: { url: 'postgres://u:${DB_PASSWORD}@127.0.0.1/db' } } }, base);
  assert.equal(config.sources.get('pg')?.url, 'postgres://u:p@ss@127.0.0.1/db');
  configErrorAt({ sources: { pg: { url: 'postgres://u:${NOPE}@h/db' } } }, 'sources.pg.url', /NOPE is not set/);
});

test('defaults: limits, admission watermarks, server, memory limit from the detected default', () => {
  const config = validateConfig({ sources: { demo: { url: 'sqlite:/tmp/x.db' } } }, base);
  // The input limits (paramLength …) joined `limits` with the security work (docs/security.md).
  assert.deepEqual(config.limits, {
    concurrentExports: 2, queueLength: 100, memoryLimitMb: 2048, retryAfterSeconds: 5, downloadWaitSeconds: 30, exportNice: 10, downloadIdleSeconds: 30, runningExportsPerToken: 1,
    paramLength: 4096, paramsPerRequest: 64, filenameLength: 128, bodyBytes: 65_536, jobsPerToken: 100, jobsPerReport: 1000,
    storageMbPerReport: 10_240, requestsPerSecond: 50,
  });
  // Degrade before refusing (60 / 75 / 85 % of the memory limit).
  assert.equal(config.admission.degradeAtPercent, 60);
  assert.equal(config.admission.queueAtPercent, 75);
  assert.equal(config.admission.refuseAtPercent, 85);
  assert.equal(config.admission.diskFreeQueueMb, 1024);
  assert.equal(config.admission.diskFreeRefuseMb, 256);
  assert.equal(config.server.port, 8080);
  assert.equal(config.server.headersTimeoutSeconds, 10);
  assert.equal(config.server.requestTimeoutSeconds, 30);
  assert.equal(config.server.keepAliveTimeoutSeconds, 72);
  assert.equal(config.storage.dir, '/etc/sheetpipe/exports');
  assert.equal(config.metricsToken, undefined);
});

test('tokens get a stable owner id: their name, else a digest prefix, never the secret', () => {
  const config = validateConfig(withReport({ table: 'orders' }, {
    tokens: [{ token: 'alpha-secret', name: 'alpha', reports: ['r'] }, { token: 'beta-secret', reports: ['*'] }],
  }), base);
  assert.equal(config.tokens[0]?.id, 'alpha');
  assert.match(config.tokens[1]?.id ?? '', /^sha256:[0-9a-f]{12}$/);
  assert.ok(!config.tokens[1]?.id.includes('beta-secret'));
  configErrorAt(withReport({ table: 'orders' }, {
    tokens: [{ token: 'a1', name: 'same', reports: ['r'] }, { token: 'a2', name: 'same', reports: ['r'] }],
  }), 'tokens[1].name', /used by another token/);
  configErrorAt(withReport({ table: 'orders' }, { limits: { paramLength: 0 } }), 'limits.paramLength', /at least 1/);
});

test('a schedule\'s filename gets the format\'s extension; control and bidi characters are refused', () => {
  const config = validateConfig(withReport({ table: 'orders' }, {
    schedules: [{ cron: '0 3 * * *', report: 'r', filename: 'nightly.csv' }],
  }), base);
  assert.equal(config.schedules[0]?.filename, 'nightly.csv.xlsx');
  configErrorAt(withReport({ table: 'orders' }, {
    schedules: [{ cron: '0 3 * * *', report: 'r', filename: 'a\u202Egpj.xlsx' }],
  }), 'schedules[0].filename', /bidi/);
});

test('fractional retentionHours and 6-field cron expressions are accepted', () => {
  const config = validateConfig(withReport({ table: 'orders' }, {
    storage: { retentionHours: 0.0005 },
    schedules: [{ cron: '* * * * * *', report: 'r', jitterSeconds: 0 }],
  }), base);
  assert.equal(config.storage.retentionHours, 0.0005);
  assert.equal(config.schedules[0]?.cron, '* * * * * *');
  assert.equal(config.schedules[0]?.jitterSeconds, 0);
});

test('every bad key is named in the error', () => {
  configErrorAt({}, 'sources', /required/);
  configErrorAt({ sources: {}, extra: 1 }, 'extra', /unknown key/);
  configErrorAt({ sources: { a: { url: 'oracle://x' } } }, 'sources.a.url');
  configErrorAt({ sources: { a: { url: 'sqlite:x', adHocSql: 'yes' } } }, 'sources.a.adHocSql');
  configErrorAt(withReport({ source: 'nope', table: 't' }), 'reports.r.source', /no source named "nope"/);
  configErrorAt(withReport({ table: 't', query: 'select 1' }), 'reports.r', /exactly one of query and table/);
  configErrorAt(withReport({ query: 'select :a', params: { a: { type: 'money' } } }), 'reports.r.params.a.type', /unknown type "money"/);
  configErrorAt(withReport({ query: 'select :a', params: { a: { type: 'integer', default: 1.5 } } }), 'reports.r.params.a.default', /whole number/);
  configErrorAt(withReport({ query: 'select :a', params: { a: { type: 'date', default: '2024-02-30' } } }), 'reports.r.params.a.default');
  configErrorAt(withReport({ query: 'select :format', params: { format: 'string' } }), 'reports.r.params.format', /reserved/);
  configErrorAt(withReport({ query: 'select :a, :b', params: { a: 'string' } }), 'reports.r.query', /:b is not declared/);
  configErrorAt(withReport({ query: 'select 1', params: { a: 'string' } }), 'reports.r.params.a', /query has no :a/);
  configErrorAt(withReport({ table: 't', timeZone: 'Mars/Olympus' }), 'reports.r.timeZone');
  configErrorAt(withReport({ table: 't' }, { tokens: [{ reports: ['r'] }] }), 'tokens[0]', /token or tokenEnv/);
  configErrorAt(withReport({ table: 't' }, { tokens: [{ tokenEnv: 'UNSET_TOKEN', reports: ['r'] }] }), 'tokens[0].tokenEnv', /UNSET_TOKEN is not set/);
  configErrorAt(withReport({ table: 't' }, { tokens: [{ token: 'a', reports: ['r', 'zz'] }] }), 'tokens[0].reports[1]', /no report named "zz"/);
  configErrorAt(withReport({ table: 't' }, { tokens: [{ token: 'a', reports: ['r'] }, { token: 'a', reports: ['*'] }] }), 'tokens[1]', /twice/);
  configErrorAt(withReport({ table: 't' }, { limits: { concurrentExports: 0 } }), 'limits.concurrentExports', /at least 1/);
  configErrorAt(withReport({ table: 't' }, { limits: { queueLength: 2.5 } }), 'limits.queueLength', /whole number/);
  configErrorAt(withReport({ table: 't' }, { limits: { memoryLimitMb: -1 } }), 'limits.memoryLimitMb');
  configErrorAt(withReport({ table: 't' }, { limits: { downloadWaitSeconds: -1 } }), 'limits.downloadWaitSeconds', /at least 0/);
  configErrorAt(withReport({ table: 't' }, { limits: { exportNice: 20 } }), 'limits.exportNice', /at most 19/);
  configErrorAt(withReport({ table: 't' }, { limits: { exportNice: 2.5 } }), 'limits.exportNice', /whole number/);
  configErrorAt(withReport({ table: 't' }, { admission: { queueAtPercent: 90, refuseAtPercent: 80 } }), 'admission.refuseAtPercent');
  configErrorAt(withReport({ table: 't' }, { admission: { degradeAtPercent: 80, queueAtPercent: 70 } }), 'admission.queueAtPercent');
  configErrorAt(withReport({ table: 't' }, { storage: { retentionHours: 0 } }), 'storage.retentionHours', /greater than 0/);
  configErrorAt(withReport({ table: 't' }, { schedules: [{ cron: '61 * * * *', report: 'r' }] }), 'schedules[0].cron', /invalid cron/);
  configErrorAt(withReport({ table: 't' }, { schedules: [{ cron: '* * * * *', report: 'x' }] }), 'schedules[0].report');
  configErrorAt(withReport({ query: 'select :n', params: { n: 'integer' } }, { schedules: [{ cron: '* * * * *', report: 'r', params: { n: 'x' } }] }), 'schedules[0].params.n', /whole number/);
  configErrorAt(withReport({ table: 't' }, { server: { port: 70000 } }), 'server.port');
  configErrorAt(withReport({ table: 't' }, { metrics: { token: 'a', tokenEnv: 'B' } }), 'metrics', /not both/);
});

test(':name inside literals, comments and :: casts is not a parameter (the sources scanner is reused)', () => {
  const config = validateConfig(withReport({
    source: 'pg',
    query: "select g::text, ':nope' as s /* :nope */ from generate_series(1, :n) g -- :nope",
    params: { n: { type: 'integer' } },
  }), base);
  assert.deepEqual([...(config.reports.get('r')?.params.keys() ?? [])], ['n']);
});

test('a report opts out of neutralised CSV text with csv: { raw: true }; the plan passes it to the pipeline', () => {
  const config = validateConfig(withReport({ table: 'orders', csv: { raw: true } }), base);
  assert.equal(config.reports.get('r')?.csvRaw, true);
  const plan = planJobQuery(config, { report: 'r', source: null, query: null, params: {}, format: 'csv', filename: null, origin: 'api', owner: null, trace: null } as never);
  assert.deepEqual(plan.csv, { raw: true });
  const safe = validateConfig(withReport({ table: 'orders' }), base);
  assert.equal(planJobQuery(safe, { report: 'r', source: null, query: null, params: {}, format: 'csv', filename: null, origin: 'api', owner: null, trace: null } as never).csv, undefined);
  configErrorAt(withReport({ table: 'orders', csv: { raw: 'yes' } }), 'reports.r.csv.raw');
  configErrorAt(withReport({ table: 'orders', csv: { quote: true } }), 'reports.r.csv.quote', /unknown key/);
});
