/**
 * buildApp(config, options): the service as a fastify instance, not yet listening (tests use
 * inject() or listen on port 0). Each feature is its own plugin; the API scope carries the
 * bearer-token hook, health and metrics sit outside it.
 *
 * @example
 *   const app = await buildApp(await loadConfig('sheetpipe.json'));
 *   await app.listen({ port: 8080, host: '127.0.0.1' });
 *   // …
 *   await app.close();   // graceful: running exports get server.shutdownGraceSeconds
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { AdmissionController, type MemoryMeasure } from './admission.js';
import { ConfigHolder } from './config/holder.js';
import { ConfigReloader, type ReloadOutcome, type ReloadTrigger } from './config/reload.js';
import type { ServiceConfig } from './config/types.js';
import type { ServiceContext } from './context.js';
import { adminRoutes } from './http/admin-routes.js';
import { authPlugin } from './http/auth.js';
import { downloadRoute } from './http/download-route.js';
import { errorPlugin } from './http/errors.js';
import { eventsRoute } from './http/events-route.js';
import { exportsRoutes } from './http/exports-routes.js';
import { fileRoute } from './http/file-route.js';
import { listingRoutes } from './http/listing-routes.js';
import { healthRoutes, metricsRoute } from './http/health-routes.js';
import { withSafeRequestLog } from './http/log-safety.js';
import { warnOpenMetrics } from './http/metrics-exposure.js';
import { requestMetricsPlugin } from './http/request-metrics.js';
import { JobFiles } from './jobs/files.js';
import { isJobQueue, type JobQueue } from './jobs/job-queue.js';
import { JobStore } from './jobs/job-store.js';
import { LocalJobQueue } from './jobs/local-queue.js';
import type { JobRunner } from './jobs/runner.js';
import { FileJobRunner } from './jobs/file-runner.js';
import { executorDownloads } from './jobs/download-runner.js';
import { createExecutor } from './exec/executor.js';
import type { RunExport } from './exec/run-here.js';
import type { ColorHop } from '../observability/coloring.js';
import { RunningPerOwner } from './jobs/owner-limit.js';
import { ExportSlots } from './jobs/slots.js';
import { jobHops, type JobRecord, type JobRequest } from './jobs/types.js';
import type { QueueParts } from './jobs/queue-parts.js';
import { lifecyclePlugin } from './lifecycle.js';
import { ServiceMetrics } from './metrics.js';
import { createServiceObservability, traceLogFields } from './observability.js';
import { SheetpipeError } from '../errors.js';
import { configError } from './config/fields.js';
import { S3Storage } from './storage/s3-storage.js';
import { createJobQueue } from './distributed/create-job-queue.js';
import { StorageLock } from './storage-lock.js';
import { createDelivery, type Delivery } from './delivery/plugin.js';
import { consoleStatic } from './http/console-static.js';
import { opsRoute } from './http/ops-route.js';
import { RequestWindow, requestWindowPlugin } from './ops/request-window.js';

export type { QueueParts } from './jobs/queue-parts.js';

export interface BuildAppOptions {
  /** fastify/pino logger options; default off (serve turns it on). */
  readonly logger?: FastifyServerOptions['logger'];
  /** An export function to run in-process, for jobs and direct downloads (default: the pipeline's, each export in its own worker thread). */
  readonly runExport?: RunExport;
  /** Replaces the embedded SQLite queue (e.g. a BullMQ queue); checked with isJobQueue. */
  readonly createQueue?: (parts: QueueParts) => JobQueue;
  /** Latency ring, trace context, /debug/latency (default: the config's observability.enabled). */
  readonly observability?: boolean;
  /** How admission reads RSS and heap (default process.memoryUsage); tests drive the memory levels through it. */
  readonly measureMemory?: () => MemoryMeasure;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Re-reads the config file (SIGHUP, `POST /v1/admin/reload`); never throws: a rejection is an outcome. */
    reloadConfig(trigger: ReloadTrigger): Promise<ReloadOutcome>;
  }
}

/** pino options get the trace fields of the running request or export in every line (a caller's own mixin wins). */
function withTraceFields(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  return typeof logger === 'object' && logger !== null && !('mixin' in logger) ? { ...logger, mixin: traceLogFields } : logger;
}

export async function buildApp(config: ServiceConfig, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  // A caller's factory, else the `queue` config key's (Redis/BullMQ); undefined means the embedded queue.
  const createQueue = options.createQueue ?? (await createJobQueue(config));
  // The embedded queue owns storage.dir: locked before anything there is touched (job database, latency log,
  // start-up cleanup), so a second instance cannot harm the first one's jobs. Distributed storage is shared.
  // A single process keeps its files in storage.dir: its in-process runner writes there (docs/storage.md).
  if (!createQueue && config.storage.s3) {
    throw configError('storage.s3', 'object storage needs distributed mode ("queue": { "type": "redis" }); a single process keeps files in storage.dir');
  }
  const lock = createQueue ? undefined : await StorageLock.acquire(config.storage.dir);
  try {
    return await assemble(config, options, createQueue, lock);
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

async function assemble(
  config: ServiceConfig,
  options: BuildAppOptions,
  createQueue: ((parts: QueueParts) => JobQueue) | undefined,
  lock: StorageLock | undefined,
): Promise<FastifyInstance> {
  const observed = options.observability ?? config.observability.enabled;
  const logger = withSafeRequestLog(options.logger ?? false);
  const app = Fastify({
    logger: observed ? withTraceFields(logger) : logger,
    // Requests during shutdown get our own 503 (new work) or a normal answer (status, files).
    return503OnClosing: false,
    // A request body is a report name, parameters and options: limits.bodyBytes (64 KiB) is plenty.
    bodyLimit: config.limits.bodyBytes,
    // Every connection has a deadline: the whole request (headers and body) in requestTimeoutSeconds, an idle
    // keep-alive connection closes after keepAliveTimeoutSeconds; headers below, slow downloads in download-idle.ts.
    requestTimeout: (config.server.requestTimeoutSeconds ?? 30) * 1000,
    keepAliveTimeout: (config.server.keepAliveTimeoutSeconds ?? 72) * 1000,
    http: {
      headersTimeout: (config.server.headersTimeoutSeconds ?? 10) * 1000,
      // Node checks the header and request deadlines on this interval (default 30 s, so they fired up to 30 s late);
      // one timer a second walking the open connections.
      connectionsCheckingInterval: 1_000,
    },
  });
  // The one config snapshot everything reads per request or per export start; a reload swaps it (config/reload.ts).
  const configs = new ConfigHolder(config);
  const current = (): ServiceConfig => configs.current();
  const files = new JobFiles(config.storage.dir);
  const objects = config.storage.s3 === undefined ? undefined : new S3Storage(config.storage.s3);
  if (objects) app.addHook('onClose', async () => objects.close());
  const slots = new ExportSlots(config.limits.concurrentExports);
  // Operators (`"*"`) are not limited; other tokens run at most limits.runningExportsPerToken at once.
  const owners = new RunningPerOwner((owner) => {
    const { tokens, limits } = configs.current();
    return tokens.some((token) => token.id === owner && token.allReports) ? Infinity : (limits.runningExportsPerToken ?? limits.concurrentExports);
  });
  const admission = new AdmissionController(config.limits, config.admission, config.storage.dir, options.measureMemory);
  let store: JobStore | undefined;
  let queue: JobQueue | undefined;
  const metrics = new ServiceMetrics({ counts: () => queue?.counts() ?? { waiting: 0, running: 0 }, running: () => slots.used, watermarks: admission.watermarks, diskFree: () => admission.sample().diskFreeBytes });
  app.addHook('onClose', async () => metrics.close());
  const observability = observed ? createServiceObservability(configs, metrics.registry, app.log) : undefined;
  // Exports run in worker threads unless the caller supplies its own export function (then in-process).
  const executor = createExecutor(options.runExport === undefined
    ? { type: 'thread' }
    : { type: 'in-process', runExport: options.runExport, asyncContext: observability?.asyncContext ?? false });
  const runner: JobRunner = new FileJobRunner({ config: current, files, executor, coloring: observability?.coloring, pressure: admission.pressure });
  const downloads = executorDownloads(executor, admission.pressure);
  const onHops = (job: JobRequest, hops: readonly ColorHop[]): void => {
    const counted = jobHops(job);
    for (const hop of hops) observability?.coloring.hop(counted, hop);
  };
  // Webhooks and email of finished jobs (delivery/); they read jobs back through the queue.
  const delivery = createDelivery(app, config, files, (id) => (queue as JobQueue).get(id), app.log, metrics.registry, objects);
  const onFinished = (job: JobRecord): void => {
    if (job.status === 'queued' || job.status === 'running') return;
    delivery.manager?.onFinished(job);
    const durationMs = job.startedAt === null ? 0 : (job.finishedAt ?? Date.now()) - job.startedAt;
    metrics.recordExport(job.status, durationMs, job.rows, job.bytes);
  };
  if (createQueue) {
    queue = createQueue({ config, runner, slots, onFinished, onHops, log: app.log });
    if (!isJobQueue(queue)) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_CONFIG', ['createQueue', 'did not return a JobQueue']);
  } else {
    store = new JobStore(config.storage.dir);
    queue = new LocalJobQueue({
      store, files, runner, slots, owners, gate: admission, onFinished, log: app.log,
      queueLength: config.limits.queueLength,
      retentionMs: config.storage.retentionHours * 3_600_000,
    });
  }
  const context: ServiceContext = {
    get config() { return configs.current(); },
    configs, queue, admission, slots, owners, files, ...(objects === undefined ? {} : { objects }), metrics, downloads, log: app.log, observability,
    streams: { events: new Set(), downloads: new Set() },
    state: { shuttingDown: false },
    ...(delivery.manager === undefined ? {} : { delivery: delivery.manager }),
  };

  const reloader = new ConfigReloader(configs, { log: app.log, registry: metrics.registry });
  app.decorate('reloadConfig', (trigger: ReloadTrigger) => reloader.reload(trigger));
  try {
    await registerPlugins(app, context, reloader, delivery, () => {
      store?.close();
      return lock?.release();
    });
  } catch (error) {
    store?.close();
    throw error;
  }
  return app;
}

async function registerPlugins(
  app: FastifyInstance,
  context: ServiceContext,
  reloader: ConfigReloader,
  delivery: Delivery,
  closeStorage: () => Promise<void> | undefined,
): Promise<void> {
  // Start-up values (error answers, the metrics warning); routes read context.config per request.
  const { config, metrics, observability } = context;
  const current = (): ServiceConfig => context.config;
  await app.register(errorPlugin(config.limits.retryAfterSeconds, config.limits.bodyBytes));
  warnOpenMetrics(app, config.metricsToken !== undefined);
  await app.register(requestMetricsPlugin(metrics));
  // The last minutes of latencies for the console's Operations page (GET /v1/ops).
  const window = new RequestWindow();
  await app.register(requestWindowPlugin(window));
  // Before the routes: the plugin learns them in onRoute.
  if (observability !== undefined) await app.register(observability.plugin);
  await app.register(lifecyclePlugin(context, closeStorage));
  await app.register(delivery.plugin, context);
  await app.register(healthRoutes, context);
  await app.register(metricsRoute, context);
  await app.register(consoleStatic());
  await app.register(async (api) => {
    await api.register(authPlugin(current));
    await api.register(exportsRoutes, context);
    await api.register(eventsRoute, context);
    await api.register(fileRoute, context);
    await api.register(downloadRoute, context);
    await api.register(adminRoutes(reloader));
    await api.register(listingRoutes, context);
    await api.register(opsRoute({ context, window, registry: metrics.registry, lastReload: () => reloader.last }));
  });
}
