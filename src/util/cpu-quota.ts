/**
 * How many CPUs this process may use: a container's CFS quota when one is set, else availableParallelism().
 * availableParallelism() counts the CPUs in the affinity mask, which a `--cpus=2` container on a 64-core host does
 * not narrow: 64 render threads would then share 2 CPUs' worth of time and be throttled every period.
 * cgroup v2: `cpu.max` is "<quota> <period>" or "max <period>"; v1: `cpu.cfs_quota_us` (-1: none) and
 * `cpu.cfs_period_us`. A fractional quota is rounded down (at least 1), as Go's automaxprocs does: 1.5 CPUs
 * run one thread unthrottled rather than two throttled ones.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The text of the cgroup files that exist (undefined: not there). */
export interface CgroupCpuFiles {
  readonly cpuMax?: string;
  readonly cfsQuotaUs?: string;
  readonly cfsPeriodUs?: string;
}

export const CGROUP_CPU_PATHS = {
  cpuMax: '/sys/fs/cgroup/cpu.max',
  cfsQuotaUs: ['/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us'],
  cfsPeriodUs: ['/sys/fs/cgroup/cpu/cpu.cfs_period_us', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us'],
} as const;

/** CPUs the quota allows (may be fractional), or undefined when no quota is set or the files make no sense. */
export function cpuQuota(files: CgroupCpuFiles): number | undefined {
  const ratio = (quota: number, period: number): number | undefined =>
    Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0 ? quota / period : undefined;
  if (files.cpuMax !== undefined) {
    const [quota, period] = files.cpuMax.trim().split(/\s+/);
    if (quota === 'max') return undefined;
    return ratio(Number(quota), Number(period ?? 100_000));
  }
  if (files.cfsQuotaUs !== undefined && files.cfsPeriodUs !== undefined) {
    return ratio(Number(files.cfsQuotaUs.trim()), Number(files.cfsPeriodUs.trim()));
  }
  return undefined;
}

/** The threads a quota and the machine allow: the quota rounded down (at least 1), never above `parallelism`. */
export function cpusAllowed(files: CgroupCpuFiles, parallelism: number): number {
  const quota = cpuQuota(files);
  return quota === undefined ? parallelism : Math.max(1, Math.min(parallelism, Math.floor(quota)));
}

function readFirst(paths: string | readonly string[]): string | undefined {
  for (const path of typeof paths === 'string' ? [paths] : paths) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      // not this cgroup version / controller layout
    }
  }
  return undefined;
}

/** Reads the cgroup files of this machine (small virtual files; read once per process). */
export function readCgroupCpuFiles(paths: typeof CGROUP_CPU_PATHS = CGROUP_CPU_PATHS): CgroupCpuFiles {
  const cpuMax = readFirst(paths.cpuMax);
  const cfsQuotaUs = readFirst(paths.cfsQuotaUs);
  const cfsPeriodUs = readFirst(paths.cfsPeriodUs);
  return {
    ...(cpuMax === undefined ? {} : { cpuMax }),
    ...(cfsQuotaUs === undefined ? {} : { cfsQuotaUs }),
    ...(cfsPeriodUs === undefined ? {} : { cfsPeriodUs }),
  };
}

let cached: number | undefined;

/** CPUs this process may use (cached): the cgroup quota when set, else availableParallelism(). */
export function usableCpus(): number {
  cached ??= cpusAllowed(readCgroupCpuFiles(), availableParallelism());
  return cached;
}
