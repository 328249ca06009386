/**
 * Turns the parsed JSON of a config file into a ServiceConfig: every key checked (errors name
 * it), `${ENV}` expanded in URLs, relative paths resolved against the config file's folder.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type {
  AdmissionConfig, InputLimitsConfig, LimitsConfig, ObservabilityConfig, SamplingConfig, ServiceConfig, ServerConfig, StorageConfig, TokenConfig,
} from './types.js';
import { readReports, readSources } from './sources-reports.js';
import { readSchedules } from './schedules.js';
import { readQueueConfig } from '../distributed/queue-config.js';
import { readDeliveryConfig } from '../delivery/config.js';
import { readS3Config } from '../storage/s3-config.js';
import {
  childPath, configError, expectArray, readSecret, expectObject, optionalBoolean, optionalNumber, optionalString, rejectUnknownKeys, type Json,
} from './fields.js';

export interface ValidateOptions {
  /** Folder relative paths are resolved against (the config file's folder). */
  readonly baseDir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Default for `limits.memoryLimitMb` (the container's limit, else the machine's memory). */
  readonly defaultMemoryLimitMb: number;
  readonly file?: string;
}

const TOP_LEVEL = ['sources', 'reports', 'tokens', 'limits', 'admission', 'storage', 'schedules', 'server', 'metrics', 'observability', 'queue', 'deliveries', 'smtp', 'links'];


function readTokens(raw: unknown, reportNames: ReadonlySet<string>, env: NodeJS.ProcessEnv): TokenConfig[] {
  const seen = new Set<string>();
  const ids = new Set<string>();
  return expectArray(raw ?? [], 'tokens').map((value, index) => {
    const path = childPath('tokens', index);
    const object = expectObject(value, path);
    rejectUnknownKeys(object, ['token', 'tokenEnv', 'reports', 'name'], path);
    const name = optionalString(object, 'name', path);
    const token = readSecret(object, path, env, 'token');
    if (token === undefined) throw configError(path, 'give token or tokenEnv');
    if (seen.has(token)) throw configError(path, 'the same token is listed twice');
    seen.add(token);
    const id = name ?? `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
    if (ids.has(id)) throw configError(childPath(path, 'name'), `the name ${JSON.stringify(id)} is used by another token`);
    ids.add(id);
    const reports = expectArray(object.reports, childPath(path, 'reports')).map((name, at) => {
      const itemPath = childPath(childPath(path, 'reports'), at);
      if (typeof name !== 'string') throw configError(itemPath, 'expected a report name or "*"');
      if (name !== '*' && !reportNames.has(name)) throw configError(itemPath, `no report named ${JSON.stringify(name)} in reports`);
      return name;
    });
    return { token, id, allReports: reports.includes('*'), reports: new Set(reports.filter((name) => name !== '*')) };
  });
}

function readLimits(raw: unknown, defaultMemoryLimitMb: number): LimitsConfig & InputLimitsConfig {
  const object = expectObject(raw ?? {}, 'limits');
  rejectUnknownKeys(object, [
    'concurrentExports', 'queueLength', 'memoryLimitMb', 'retryAfterSeconds', 'downloadWaitSeconds', 'exportNice', 'downloadIdleSeconds', 'runningExportsPerToken',
    'paramLength', 'paramsPerRequest', 'filenameLength', 'bodyBytes', 'jobsPerToken', 'jobsPerReport', 'storageMbPerReport', 'requestsPerSecond',
  ], 'limits');
  const count = (key: string, fallback: number, max = 1_000_000_000): number =>
    optionalNumber(object, key, 'limits', { integer: true, min: 1, max }) ?? fallback;
  const concurrentExports = optionalNumber(object, 'concurrentExports', 'limits', { integer: true, min: 1, max: 1024 }) ?? 2;
  return {
    concurrentExports,
    queueLength: optionalNumber(object, 'queueLength', 'limits', { integer: true, min: 0 }) ?? 100,
    memoryLimitMb: optionalNumber(object, 'memoryLimitMb', 'limits', { above: 0 }) ?? defaultMemoryLimitMb,
    retryAfterSeconds: optionalNumber(object, 'retryAfterSeconds', 'limits', { integer: true, min: 1 }) ?? 5,
    downloadWaitSeconds: optionalNumber(object, 'downloadWaitSeconds', 'limits', { min: 0, max: 3600 }) ?? 30,
    exportNice: optionalNumber(object, 'exportNice', 'limits', { integer: true, min: 0, max: 19 }) ?? 10,
    downloadIdleSeconds: optionalNumber(object, 'downloadIdleSeconds', 'limits', { min: 0, max: 3600 }) ?? 30,
    runningExportsPerToken: count('runningExportsPerToken', Math.max(1, Math.floor(concurrentExports / 2))),
    // The security defaults (docs/security.md): small enough that a flood of requests cannot fill memory or storage.
    paramLength: count('paramLength', 4096),
    paramsPerRequest: count('paramsPerRequest', 64),
    filenameLength: count('filenameLength', 128, 255),
    bodyBytes: count('bodyBytes', 65_536, 1 << 24),
    jobsPerToken: count('jobsPerToken', 100),
    jobsPerReport: count('jobsPerReport', 1000),
    storageMbPerReport: optionalNumber(object, 'storageMbPerReport', 'limits', { above: 0 }) ?? 10_240,
    requestsPerSecond: optionalNumber(object, 'requestsPerSecond', 'limits', { above: 0 }) ?? 50,
  };
}

function readAdmission(raw: unknown): AdmissionConfig {
  const object = expectObject(raw ?? {}, 'admission');
  const keys = ['degradeAtPercent', 'queueAtPercent', 'refuseAtPercent', 'eventLoopDelayQueueMs', 'eventLoopDelayRefuseMs', 'diskFreeQueueMb', 'diskFreeRefuseMb'];
  rejectUnknownKeys(object, keys, 'admission');
  // Degrade before refusing: running exports give memory back at 60 %, new ones wait at 75 %, refused at 85 %.
  // A level given alone moves the defaults around it, so `queueAtPercent: 50` needs no degradeAtPercent.
  const degradeGiven = optionalNumber(object, 'degradeAtPercent', 'admission', { above: 0, max: 1000 });
  const queueAtPercent = optionalNumber(object, 'queueAtPercent', 'admission', { above: 0, max: 1000 }) ?? Math.max(75, degradeGiven ?? 0);
  const degradeAtPercent = degradeGiven ?? Math.min(60, queueAtPercent);
  const refuseAtPercent = optionalNumber(object, 'refuseAtPercent', 'admission', { above: 0, max: 1000 }) ?? Math.max(85, queueAtPercent);
  if (queueAtPercent < degradeAtPercent) throw configError('admission.queueAtPercent', `must not be below degradeAtPercent (${degradeAtPercent})`);
  if (refuseAtPercent < queueAtPercent) throw configError('admission.refuseAtPercent', `must not be below queueAtPercent (${queueAtPercent})`);
  const eventLoopDelayQueueMs = optionalNumber(object, 'eventLoopDelayQueueMs', 'admission', { above: 0 }) ?? 200;
  const eventLoopDelayRefuseMs = optionalNumber(object, 'eventLoopDelayRefuseMs', 'admission', { above: 0 }) ?? 1000;
  if (eventLoopDelayRefuseMs < eventLoopDelayQueueMs) {
    throw configError('admission.eventLoopDelayRefuseMs', `must not be below eventLoopDelayQueueMs (${eventLoopDelayQueueMs})`);
  }
  const diskFreeQueueMb = optionalNumber(object, 'diskFreeQueueMb', 'admission', { min: 0 }) ?? 1024;
  const diskFreeRefuseMb = optionalNumber(object, 'diskFreeRefuseMb', 'admission', { min: 0 }) ?? 256;
  if (diskFreeRefuseMb > diskFreeQueueMb) throw configError('admission.diskFreeRefuseMb', `must not be above diskFreeQueueMb (${diskFreeQueueMb})`);
  return { degradeAtPercent, queueAtPercent, refuseAtPercent, eventLoopDelayQueueMs, eventLoopDelayRefuseMs, diskFreeQueueMb, diskFreeRefuseMb };
}

function readStorage(raw: unknown, baseDir: string, env: NodeJS.ProcessEnv): StorageConfig {
  const object = expectObject(raw ?? {}, 'storage');
  rejectUnknownKeys(object, ['dir', 'retentionHours', 's3'], 'storage');
  const s3 = readS3Config(object.s3, env);
  return {
    dir: resolve(baseDir, optionalString(object, 'dir', 'storage') ?? './exports'),
    retentionHours: optionalNumber(object, 'retentionHours', 'storage', { above: 0 }) ?? 24,
    ...(s3 === undefined ? {} : { s3 }),
  };
}

function readServer(raw: unknown): ServerConfig {
  const object = expectObject(raw ?? {}, 'server');
  rejectUnknownKeys(object, ['host', 'port', 'shutdownGraceSeconds', 'headersTimeoutSeconds', 'requestTimeoutSeconds', 'keepAliveTimeoutSeconds'], 'server');
  const headersTimeoutSeconds = optionalNumber(object, 'headersTimeoutSeconds', 'server', { above: 0, max: 3600 }) ?? 10;
  const requestTimeoutSeconds = optionalNumber(object, 'requestTimeoutSeconds', 'server', { above: 0, max: 3600 }) ?? 30;
  if (requestTimeoutSeconds < headersTimeoutSeconds) throw configError('server.requestTimeoutSeconds', `must not be below headersTimeoutSeconds (${headersTimeoutSeconds})`);
  return {
    host: optionalString(object, 'host', 'server') ?? '127.0.0.1',
    port: optionalNumber(object, 'port', 'server', { integer: true, min: 0, max: 65535 }) ?? 8080,
    shutdownGraceSeconds: optionalNumber(object, 'shutdownGraceSeconds', 'server', { min: 0 }) ?? 30,
    headersTimeoutSeconds,
    requestTimeoutSeconds,
    keepAliveTimeoutSeconds: optionalNumber(object, 'keepAliveTimeoutSeconds', 'server', { above: 0, max: 3600 }) ?? 72,
  };
}

function readObservability(raw: unknown, baseDir: string, storage: StorageConfig): ObservabilityConfig {
  const object = expectObject(raw ?? {}, 'observability');
  rejectUnknownKeys(object, ['enabled', 'latencyLog', 'slowMs', 'sampleRates', 'defaultSampleRate', 'coloredRoutes'], 'observability');
  const latencyLog = optionalString(object, 'latencyLog', 'observability');
  return {
    enabled: optionalBoolean(object, 'enabled', 'observability') ?? true,
    latencyLog: latencyLog === undefined ? join(storage.dir, 'latency.bin') : resolve(baseDir, latencyLog),
    sampling: readSampling(object),
  };
}

/** `observability.slowMs`, `.sampleRates`, `.defaultSampleRate`, `.coloredRoutes` (routes as `METHOD /pattern`). */
function readSampling(object: Json): SamplingConfig {
  const path = 'observability';
  const slowMs = optionalNumber(object, 'slowMs', path, { min: 0 });
  const defaultRate = optionalNumber(object, 'defaultSampleRate', path, { min: 0, max: 1 });
  let rates: Record<string, number> | undefined;
  if (object.sampleRates !== undefined) {
    const ratesObject = expectObject(object.sampleRates, childPath(path, 'sampleRates'));
    rates = {};
    for (const route of Object.keys(ratesObject)) rates[route] = optionalNumber(ratesObject, route, childPath(path, 'sampleRates'), { min: 0, max: 1 }) as number;
  }
  const coloredRoutes = object.coloredRoutes === undefined ? undefined : expectArray(object.coloredRoutes, childPath(path, 'coloredRoutes')).map((route, at) => {
    if (typeof route !== 'string' || !/^[A-Z]+ \//.test(route)) throw configError(childPath(childPath(path, 'coloredRoutes'), at), 'expected a route as "METHOD /pattern"');
    return route;
  });
  return {
    ...(slowMs === undefined ? {} : { slowMs }),
    ...(rates === undefined ? {} : { rates }),
    ...(defaultRate === undefined ? {} : { defaultRate }),
    ...(coloredRoutes === undefined ? {} : { coloredRoutes }),
  };
}

function readMetricsToken(raw: unknown, env: NodeJS.ProcessEnv): string | undefined {
  const object = expectObject(raw ?? {}, 'metrics');
  rejectUnknownKeys(object, ['token', 'tokenEnv'], 'metrics');
  return readSecret(object, 'metrics', env, 'token');
}

/** Throws SHEETPIPE_ERR_SERVICE_CONFIG naming the first bad key. */
export function validateConfig(raw: unknown, options: ValidateOptions): ServiceConfig {
  const env = options.env ?? process.env;
  const root = expectObject(raw, '');
  rejectUnknownKeys(root, TOP_LEVEL, '');
  if (root.sources === undefined) throw configError('sources', 'is required');
  const sources = readSources(root.sources, options.baseDir, env);
  const reports = readReports(root.reports, sources, options.baseDir);
  const metricsToken = readMetricsToken(root.metrics, env);
  const storage = readStorage(root.storage, options.baseDir, env);
  const schedules = readSchedules(root.schedules, reports);
  return {
    ...(options.file === undefined ? {} : { file: options.file }),
    sources,
    reports,
    tokens: readTokens(root.tokens, new Set(reports.keys()), env),
    limits: readLimits(root.limits, options.defaultMemoryLimitMb),
    admission: readAdmission(root.admission),
    storage,
    observability: readObservability(root.observability, options.baseDir, storage),
    schedules,
    delivery: readDeliveryConfig(root, reports, schedules, env, options.baseDir),
    server: readServer(root.server),
    queue: readQueueConfig(root.queue, env, options.baseDir),
    ...(metricsToken === undefined ? {} : { metricsToken }),
  };
}
