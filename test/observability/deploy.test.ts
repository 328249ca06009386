// The operations kit: the Grafana dashboard is well-formed and names only metrics that are exported
// (ours, checked against a live registry; the service's, listed in SERVICE_METRICS and checked against
// the running service's /metrics by the service tests); the Kubernetes manifests keep their promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { ColoringMetrics } from '../../src/observability/coloring.js';
import { OBSERVABILITY_METRICS, SERVICE_METRICS } from '../../src/observability/metric-names.js';
import { RuntimeMonitor } from '../../src/observability/runtime-monitor.js';
import { validateConfig } from '../../src/service/config/validate.js';

const repo = new URL('../../../', import.meta.url);
const read = (path: string): Promise<string> => readFile(new URL(path, repo), 'utf8');

interface Target { refId: string; expr: string; datasource?: { uid: string } }
interface Panel { id: number; type: string; title: string; gridPos: { h: number; w: number; x: number; y: number }; datasource?: { type: string; uid: string }; targets?: Target[] }

/** Metric names in a PromQL expression, with histogram series suffixes folded onto the metric. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(sheetpipe_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
}

function balanced(expr: string): boolean {
  let depth = 0;
  for (const c of expr) {
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === ')' || c === ']' || c === '}') depth--;
    if (depth < 0) return false;
  }
  return depth === 0;
}

test('the Grafana dashboard is valid and queries exactly the listed metrics', async () => {
  const dashboard = JSON.parse(await read('deploy/grafana/sheetpipe.json')) as {
    title: string; uid: string; schemaVersion: number; panels: Panel[]; templating: { list: { name: string; type: string; query: string }[] }; time: { from: string; to: string };
  };
  assert.equal(dashboard.title, 'sheetpipe');
  assert.match(dashboard.uid, /^[A-Za-z0-9_-]{1,40}$/);
  assert.ok(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 36);
  assert.deepEqual(dashboard.templating.list.map((v) => [v.name, v.type, v.query]), [['datasource', 'datasource', 'prometheus']]);
  assert.ok(dashboard.time.from && dashboard.time.to);
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const used = new Set<string>();
  const titles: string[] = [];
  for (const panel of dashboard.panels) {
    const { h, w, x, y } = panel.gridPos;
    assert.ok(h > 0 && w > 0 && x >= 0 && y >= 0 && x + w <= 24, `${panel.title}: grid position inside the 24-column grid`);
    if (panel.type === 'row') continue;
    titles.push(panel.title);
    assert.ok(['timeseries', 'stat', 'gauge', 'table'].includes(panel.type), panel.type);
    assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' });
    assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has targets`);
    assert.equal(new Set(panel.targets.map((t) => t.refId)).size, panel.targets.length, `${panel.title}: refIds unique`);
    for (const target of panel.targets) {
      assert.ok(target.expr.trim().length > 0 && balanced(target.expr), `${panel.title}: ${target.expr}`);
      const names = metricNames(target.expr);
      assert.ok(names.length > 0, `${panel.title}: ${target.expr} names a metric`);
      names.forEach((name) => used.add(name));
    }
  }
  for (const wanted of ['Requests per second', 'P50 / P99 / P999', 'running and queued', 'Rows per second', 'Memory vs watermarks', 'Event-loop delay', 'GC pauses', 'Coloring coverage']) {
    assert.ok(titles.some((title) => title.includes(wanted)), `a panel for ${wanted}`);
  }
  assert.deepEqual([...used].sort(), [...OBSERVABILITY_METRICS, ...SERVICE_METRICS].sort(), 'the dashboard uses exactly the listed metrics');
});

test('every observability metric the dashboard uses is exported by this module, with the right type', async () => {
  const registry = new Registry();
  new RuntimeMonitor({ registry });
  new ColoringMetrics(registry);
  const exported = new Map((await registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
  for (const name of OBSERVABILITY_METRICS) assert.ok(exported.has(name), `${name} is registered`);
  assert.equal(exported.get('sheetpipe_gc_pause_seconds'), 'histogram', 'the dashboard reads its _bucket and _sum series');
  assert.equal(exported.get('sheetpipe_color_hops_total'), 'counter');
});

/** The indented block under `key: |` in a YAML file. */
function blockScalar(yaml: string, key: string): string {
  const lines = yaml.split('\n');
  const start = lines.findIndex((line) => line.trimEnd().endsWith(`${key}: |`));
  assert.ok(start >= 0, `${key} block`);
  const indent = /^\s*/.exec(lines[start + 1]!)![0].length;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && /^\s*/.exec(line)![0].length < indent) break;
    body.push(line.slice(indent));
  }
  return body.join('\n');
}

/** `key: value` lines of the block that starts at the line `name:` (one level of nesting). */
function mapping(yaml: string, name: string): Record<string, string> {
  const text = blockScalar(yaml.replace(new RegExp(`(\\n\\s*)${name}:\\n`), `$1${name}: |\n`), name);
  return Object.fromEntries(text.split('\n').filter((l) => /^\S[^:]*:\s*\S/.test(l)).map((l) => l.split(/:\s*/, 2).map((s) => s.trim().replace(/^"|"$/g, '')) as [string, string]));
}

test('the Kubernetes manifests: requests == limits, memory limit via the downward API, probes, grace period, valid config', async () => {
  const deployment = await read('deploy/k8s/deployment.yaml');
  const configMap = await read('deploy/k8s/configmap.yaml');
  const requests = mapping(deployment, 'requests');
  assert.deepEqual(requests, mapping(deployment, 'limits'), 'Guaranteed QoS: requests equal limits');
  assert.ok(requests.cpu && requests.memory);
  assert.match(deployment, /resourceFieldRef:\s*\n\s*containerName: sheetpipe\s*\n\s*resource: limits\.memory/);
  assert.match(deployment, /--max-old-space-size=\$\(\(SHEETPIPE_MEMORY_LIMIT_BYTES \* 6 \/ 10 \/ 1048576\)\)/);
  assert.match(deployment, /readinessProbe:\s*\n(\s*#.*\n)?\s*httpGet:\s*\n\s*path: \/readyz/);
  assert.match(deployment, /livenessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/healthz/);

  const config = JSON.parse(blockScalar(configMap, 'config.json')) as { server: { shutdownGraceSeconds: number }; limits: Record<string, unknown> };
  assert.equal(config.limits.memoryLimitMb, undefined, 'the memory limit (and so the watermarks) comes from the container limit');
  const grace = Number(/terminationGracePeriodSeconds: (\d+)/.exec(deployment)![1]);
  const preStop = Number(/"sleep (\d+)"/.exec(deployment)![1]);
  assert.equal(grace, preStop + config.server.shutdownGraceSeconds + 10, 'termination grace = preStop + shutdown grace + 10 s to exit');

  const validated = validateConfig(config, { baseDir: '/etc/sheetpipe', defaultMemoryLimitMb: 2048, env: { PG_PASSWORD: 'secret', OPS_TOKEN: 'ops' } });
  assert.equal(validated.server.shutdownGraceSeconds, config.server.shutdownGraceSeconds);
  assert.equal(validated.limits.memoryLimitMb, 2048);
  assert.match(deployment, /name: PG_PASSWORD\s*\n\s*valueFrom:\s*\n\s*secretKeyRef:/, 'the secret the config expands comes from a Secret');
  for (const file of ['service.yaml', 'pvc.yaml', 'kustomization.yaml']) assert.match(await read(`deploy/k8s/${file}`), /^(apiVersion|kind): /m);
});
