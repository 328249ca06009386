/** The validated, resolved service configuration (paths absolute, `${ENV}` expanded, defaults applied). */
import type { ExportFormat } from '../../pipeline/types.js';
import type { QueueConfig } from '../distributed/queue-config.js';
import type { DeliveryConfig } from '../delivery/types.js';
import type { S3Config } from '../storage/s3-config.js';
import type { ReportDefinition } from '../../report/types.js';

export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'datetime';
export const PARAM_TYPES: readonly ParamType[] = ['string', 'number', 'integer', 'boolean', 'date', 'datetime'];

/** What a report parameter becomes after coercion: dates stay ISO text so every driver binds them alike. */
export type ParamValue = string | number | boolean;

export interface ParamDeclaration {
  readonly type: ParamType;
  /** When present the parameter is optional. */
  readonly default?: ParamValue;
  /** Shown by `GET /v1/reports` so a client can build a form. */
  readonly description?: string;
}

export interface SourceConfig {
  readonly name: string;
  /** Connection URL with `${ENV}` expanded and relative file paths made absolute. Never shown to clients. */
  readonly url: string;
  /** Allows `POST /v1/exports` with `{ source, query }` for tokens with `"*"`. Off by default. */
  readonly adHocSql: boolean;
}

export interface ReportConfig {
  readonly name: string;
  readonly source: string;
  readonly query?: string;
  readonly table?: string;
  readonly params: ReadonlyMap<string, ParamDeclaration>;
  readonly sheet?: string;
  readonly timeZone?: string;
  readonly timeoutSeconds?: number;
  readonly threads?: number;
  /** `csv: { raw: true }`: CSV text as stored, formula-like cells not neutralised (for machine consumers). */
  readonly csvRaw?: boolean;
  readonly description?: string;
  /** Names of `deliveries` an API request for this report may pick (`"deliver": [...]`); clients never send URLs or addresses. */
  readonly deliveries?: readonly string[];
  /** A multi-sheet report (`sheets` instead of `query`/`table`), the same definition as a report file (docs/reports.md). */
  readonly definition?: ReportDefinition;
  /** Fill this workbook instead of a new one (docs/templates.md); xlsx only. */
  readonly template?: ReportTemplateConfig;
}

/** `reports.NAME.template`: `file` is absolute here (written relative to the config file), `into` as `--into`. */
export interface ReportTemplateConfig {
  readonly file: string;
  readonly into: string;
}

export interface TokenConfig {
  readonly token: string;
  /**
   * Who owns the jobs this token creates: the config's `name`, else `sha256:` and the first 12 hex digits of
   * the token's SHA-256 (stable across restarts and reordering; never the secret itself).
   */
  readonly id: string;
  /** True for `"*"`: every report, ad-hoc SQL and `/debug/*`. */
  readonly allReports: boolean;
  readonly reports: ReadonlySet<string>;
}

export interface LimitsConfig {
  /** Exports running at once (background jobs and direct downloads together). */
  readonly concurrentExports: number;
  /** Jobs allowed to wait; running ones are not counted. */
  readonly queueLength: number;
  /** Measured against the whole process's RSS; defaults to the container's limit, else the machine's memory. */
  readonly memoryLimitMb: number;
  /** Sent in `Retry-After` with 429 and 503. */
  readonly retryAfterSeconds: number;
  /** How long a direct download waits for a free export slot before it gets 429 (0: at once). */
  readonly downloadWaitSeconds: number;
  /**
   * Added to the nice value of each export's threads (the one reading rows and its render/compress
   * workers; Linux), so small requests win the CPU while exports run. 0 leaves them at the service's.
   */
  readonly exportNice: number;
  /** A direct download whose client has not read for this long is aborted (0: never); optional for hand-built configs (30). */
  readonly downloadIdleSeconds?: number;
  /**
   * Exports one token may run at once (jobs and downloads), so it cannot hold every slot; tokens with `"*"` and
   * scheduled jobs are not limited. Default: half of concurrentExports, at least 1. Optional for hand-built configs.
   */
  readonly runningExportsPerToken?: number;
}

/** The `limits` that bound what clients may send and keep (docs/security.md). */
export interface InputLimitsConfig {
  /** Characters in one string parameter (4096). */
  readonly paramLength: number;
  /** Parameters in one request (64). */
  readonly paramsPerRequest: number;
  /** Characters in a requested file name, its extension included (128). */
  readonly filenameLength: number;
  /** Bytes of a request body (65536); more is a 413. */
  readonly bodyBytes: number;
  /** Unfinished and kept jobs per token (100). */
  readonly jobsPerToken: number;
  /** Unfinished and kept jobs per report (1000). */
  readonly jobsPerReport: number;
  /** Bytes of finished files kept per report (10 GiB, as MB: 10240). */
  readonly storageMbPerReport: number;
  /** Requests per token per second on the API routes (50); more is a 429. */
  readonly requestsPerSecond: number;
}

export interface AdmissionConfig {
  /**
   * Above this share of the memory limit (RSS), running exports give memory back (one render thread, one block in
   * flight) and new ones wait; optional for hand-built configs (default 60).
   */
  readonly degradeAtPercent?: number;
  /** Above this share of the memory limit (RSS) or heap limit, new exports wait in the queue and downloads wait. */
  readonly queueAtPercent: number;
  /** Above this share, new exports are refused with 503. */
  readonly refuseAtPercent: number;
  /** Event-loop delay (P99 over the last second) above which new exports wait / are refused. */
  readonly eventLoopDelayQueueMs: number;
  readonly eventLoopDelayRefuseMs: number;
  /** Free space of the storage filesystem below which new exports wait (1024) / are refused (256); optional for hand-built configs. */
  readonly diskFreeQueueMb?: number;
  readonly diskFreeRefuseMb?: number;
}

export interface StorageConfig {
  readonly dir: string;
  /** May be fractional (0.001 h = 3.6 s). */
  readonly retentionHours: number;
  /** Finished files in an S3-compatible bucket instead of `<dir>/files` (storage/s3-config.ts, docs/storage.md). */
  readonly s3?: S3Config;
}

export interface ScheduleConfig {
  readonly cron: string;
  readonly report: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly format: ExportFormat;
  readonly filename?: string;
  /** Each run starts after a random delay up to this (capped by the time to the next run). */
  readonly jitterSeconds: number;
  /** IANA zone the cron expression is read in (default UTC). */
  readonly timeZone?: string;
  /** Stable id of the schedule (config `name`, default `<report>#<index>`): jobs record it, `GET /v1/schedules` lists it. */
  readonly name: string;
  /** Names of `deliveries` each run is delivered to. */
  readonly deliver: readonly string[];
}

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** On SIGTERM running exports get this long to finish before they are cancelled. */
  readonly shutdownGraceSeconds: number;
  /** Deadlines of every connection (node:http): all headers (10), the whole request with its body (30), an idle keep-alive connection (72). Optional for hand-built configs. */
  readonly headersTimeoutSeconds?: number;
  readonly requestTimeoutSeconds?: number;
  readonly keepAliveTimeoutSeconds?: number;
}

export interface ObservabilityConfig {
  /** Latency ring, trace context and /debug/latency (default on). */
  readonly enabled: boolean;
  /** Where the latency ring is flushed (default `<storage.dir>/latency.bin`). */
  readonly latencyLog: string;
  /** Sampling and coloring; a config reload applies them to the next request (observability.md). Absent: the defaults. */
  readonly sampling?: SamplingConfig;
}

export interface SamplingConfig {
  /** Requests at least this slow are always kept (5). */
  readonly slowMs?: number;
  /** Keep-rate 0…1 of fast requests per route (`"GET /v1/exports/:id": 0.01`); default the sampler's. */
  readonly rates?: Readonly<Record<string, number>>;
  /** Keep-rate of routes not in `rates` (0.1). */
  readonly defaultRate?: number;
  /** Routes whose colored requests count in sheetpipe_color_requests_total (the export-starting routes). */
  readonly coloredRoutes?: readonly string[];
}

export interface ServiceConfig {
  /** Absolute path of the file the config came from, when it came from one. */
  readonly file?: string;
  readonly sources: ReadonlyMap<string, SourceConfig>;
  readonly reports: ReadonlyMap<string, ReportConfig>;
  readonly tokens: readonly TokenConfig[];
  readonly limits: LimitsConfig & InputLimitsConfig;
  readonly admission: AdmissionConfig;
  readonly storage: StorageConfig;
  readonly schedules: readonly ScheduleConfig[];
  readonly server: ServerConfig;
  readonly observability: ObservabilityConfig;
  /** `embedded` (in-process, SQLite job store) or `redis` (BullMQ, distributed workers). */
  readonly queue: QueueConfig;
  /** When set, `/metrics` needs this bearer token. */
  readonly metricsToken?: string;
  /** Named delivery targets (webhooks, email) and the SMTP and link settings they use (delivery/config.ts). */
  readonly delivery: DeliveryConfig;
}
