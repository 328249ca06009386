/**
 * Medians of a case's rounds, and the ratios the issues set targets for.
 */
export interface Sample {
  readonly wallMs: number;
  readonly peakRssKiB: number;
  readonly fileBytes: number;
  readonly rows: number;
  /** The child's main thread's own CPU time (Node cases on Linux). */
  readonly mainCpuMs?: number;
}

export interface CaseSummary {
  readonly label: string;
  readonly rows: number;
  readonly runs: number;
  readonly wallMs: number;
  readonly walls: readonly number[];
  readonly rowsPerSecond: number;
  readonly peakRssKiB: number;
  readonly fileBytes: number;
  /** Median main-thread CPU per row in µs, when every run reported it (not psql). */
  readonly mainCpuUsPerRow?: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function summarise(label: string, samples: readonly Sample[]): CaseSummary {
  const wallMs = median(samples.map((sample) => sample.wallMs));
  const rows = median(samples.map((sample) => sample.rows));
  return {
    label,
    rows,
    runs: samples.length,
    wallMs,
    walls: samples.map((sample) => sample.wallMs),
    rowsPerSecond: rows / (wallMs / 1000),
    peakRssKiB: median(samples.map((sample) => sample.peakRssKiB)),
    fileBytes: median(samples.map((sample) => sample.fileBytes)),
    ...(samples.every((sample) => sample.mainCpuMs !== undefined)
      ? { mainCpuUsPerRow: median(samples.map((sample) => ((sample.mainCpuMs as number) * 1000) / sample.rows)) }
      : {}),
  };
}

export interface Target {
  readonly op: '>=' | '<=';
  readonly limit: number;
}

export interface Verdict {
  readonly label: string;
  readonly how: string;
  /** undefined when a case it needs did not run or failed. */
  readonly value: number | undefined;
  readonly unit: string;
  readonly target: Target;
  readonly result: 'PASS' | 'MISS' | 'n/a';
}

export function verdict(label: string, how: string, value: number | undefined, unit: string, target: Target): Verdict {
  let result: Verdict['result'] = 'n/a';
  if (value !== undefined && Number.isFinite(value)) {
    result = (target.op === '>=' ? value >= target.limit : value <= target.limit) ? 'PASS' : 'MISS';
  }
  return { label, how, value, unit, target, result };
}

/** a ÷ b of a summary field, undefined when either side is missing. */
export function ratio(
  a: CaseSummary | undefined,
  b: CaseSummary | undefined,
  field: 'wallMs' | 'rowsPerSecond' | 'peakRssKiB' | 'fileBytes',
): number | undefined {
  if (a === undefined || b === undefined || b[field] === 0) return undefined;
  return a[field] / b[field];
}
