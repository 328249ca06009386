/** The config side of live reload: the sampling keys, and which changes need a restart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSheetpipeError } from '../../src/errors.js';
import { changedSections, restartOnlyChanges } from '../../src/service/config/restart-only.js';
import { validateConfig } from '../../src/service/config/validate.js';

const options = { baseDir: '/etc/sheetpipe', defaultMemoryLimitMb: 2048, env: {} };
const raw = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sources: { demo: { url: 'sqlite:/tmp/x.db' } },
  reports: { orders: { source: 'demo', table: 'orders' } },
  tokens: [{ token: 't', reports: ['*'] }],
  ...extra,
});

function rejects(config: Record<string, unknown>, key: string): void {
  assert.throws(() => validateConfig(config, options), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_CONFIG'));
    assert.equal(error.args[0], key);
    return true;
  });
}

test('observability sampling keys are read and checked, each error naming its key', () => {
  const config = validateConfig(raw({
    observability: { slowMs: 20, sampleRates: { 'GET /v1/exports/:id': 0.5 }, defaultSampleRate: 0, coloredRoutes: ['POST /v1/exports'] },
  }), options);
  assert.deepEqual(config.observability.sampling, { slowMs: 20, rates: { 'GET /v1/exports/:id': 0.5 }, defaultRate: 0, coloredRoutes: ['POST /v1/exports'] });
  assert.deepEqual(validateConfig(raw(), options).observability.sampling, {});
  rejects(raw({ observability: { sampleRates: { 'GET /x': 2 } } }), 'observability.sampleRates["GET /x"]');
  rejects(raw({ observability: { defaultSampleRate: -0.1 } }), 'observability.defaultSampleRate');
  rejects(raw({ observability: { slowMs: -1 } }), 'observability.slowMs');
  rejects(raw({ observability: { coloredRoutes: ['/v1/exports'] } }), 'observability.coloredRoutes[0]');
});

test('restart-only settings are named when they change; the rest may change by reload', () => {
  const running = validateConfig(raw(), options);
  const same = validateConfig(raw(), options);
  assert.deepEqual(restartOnlyChanges(running, same), []);
  assert.deepEqual(changedSections(running, same), []);

  const reloadable = validateConfig(raw({
    reports: { orders: { source: 'demo', table: 'orders' }, more: { source: 'demo', table: 'more' } },
    tokens: [{ token: 'u', reports: ['orders'] }],
    schedules: [{ cron: '0 3 * * *', report: 'more' }],
    limits: { requestsPerSecond: 5, exportNice: 0 },
    observability: { sampleRates: { 'GET /healthz': 1 } },
  }), options);
  assert.deepEqual(restartOnlyChanges(running, reloadable), []);
  assert.deepEqual(changedSections(running, reloadable).sort(), ['limits', 'observability', 'reports', 'schedules', 'tokens']);

  const moved = validateConfig(raw({
    server: { port: 9090 },
    storage: { dir: './elsewhere' },
    limits: { concurrentExports: 8 },
    queue: { type: 'redis', url: 'redis://127.0.0.1:6379' },
    admission: { queueAtPercent: 50 },
  }), options);
  assert.deepEqual(restartOnlyChanges(running, moved), [
    'server.port', 'storage.dir', 'queue', 'limits.concurrentExports', 'admission', 'observability.latencyLog',
  ]);
});
