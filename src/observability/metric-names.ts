/**
 * Every Prometheus metric name the dashboard (deploy/grafana/sheetpipe.json) queries, split by who
 * exports it. A test checks the dashboard against this list; the service's /metrics must export SERVICE_METRICS.
 */

/** Exported by src/observability (RuntimeMonitor, ColoringMetrics). */
export const OBSERVABILITY_METRICS = [
  'sheetpipe_event_loop_delay_seconds',
  'sheetpipe_event_loop_utilization',
  'sheetpipe_gc_pause_seconds',
  'sheetpipe_color_requests_total',
  'sheetpipe_color_hops_total',
] as const;

/** Exported by src/service (names and labels documented in docs/observability.md). */
export const SERVICE_METRICS = [
  'sheetpipe_http_request_duration_seconds',
  'sheetpipe_exports_running',
  'sheetpipe_export_queue_depth',
  'sheetpipe_export_rows_total',
  'sheetpipe_memory_rss_bytes',
  'sheetpipe_memory_watermark_bytes',
  'sheetpipe_storage_free_bytes',
  'sheetpipe_storage_free_watermark_bytes',
  'sheetpipe_download_idle_aborts_total',
] as const;
