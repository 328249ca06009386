/** Default thread count from the container's CPU quota (cgroup v2 cpu.max, v1 cfs quota/period), over fixture files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { CGROUP_CPU_PATHS, cpuQuota, cpusAllowed, readCgroupCpuFiles, usableCpus } from '../../src/util/cpu-quota.js';
import { availableParallelism } from 'node:os';
import { repoRoot } from '../helpers/xlsx-check.js';

const fixture = (name: string): typeof CGROUP_CPU_PATHS => {
  const dir = resolve(repoRoot, 'test/fixtures/cgroup', name);
  return { cpuMax: `${dir}/cpu.max`, cfsQuotaUs: [`${dir}/cpu.cfs_quota_us`], cfsPeriodUs: [`${dir}/cpu.cfs_period_us`] } as unknown as typeof CGROUP_CPU_PATHS;
};

test('cpuQuota parses cgroup v2 cpu.max and v1 cfs quota/period', () => {
  assert.equal(cpuQuota({ cpuMax: '150000 100000\n' }), 1.5);
  assert.equal(cpuQuota({ cpuMax: 'max 100000\n' }), undefined, 'v2 without a quota');
  assert.equal(cpuQuota({ cpuMax: '200000' }), 2, 'the period defaults to 100 ms');
  assert.equal(cpuQuota({ cfsQuotaUs: '300000\n', cfsPeriodUs: '100000\n' }), 3);
  assert.equal(cpuQuota({ cfsQuotaUs: '-1\n', cfsPeriodUs: '100000\n' }), undefined, 'v1 without a quota');
  assert.equal(cpuQuota({ cfsQuotaUs: '300000' }), undefined, 'v1 needs both files');
  assert.equal(cpuQuota({ cpuMax: 'garbage 0' }), undefined);
  assert.equal(cpuQuota({}), undefined);
});

test('cpusAllowed: the quota rounded down, at least 1, never above the machine', () => {
  assert.equal(cpusAllowed({ cpuMax: '150000 100000' }, 64), 1);
  assert.equal(cpusAllowed({ cpuMax: '50000 100000' }, 64), 1);
  assert.equal(cpusAllowed({ cpuMax: '400000 100000' }, 64), 4);
  assert.equal(cpusAllowed({ cpuMax: '400000 100000' }, 2), 2, 'a quota above the cores does not add cores');
  assert.equal(cpusAllowed({ cpuMax: 'max 100000' }, 8), 8);
});

test('read from fixture files of each cgroup layout', () => {
  const allowed = (name: string, parallelism: number): number => cpusAllowed(readCgroupCpuFiles(fixture(name)), parallelism);
  assert.equal(allowed('v2-quota', 16), 1);
  assert.equal(allowed('v2-fraction', 16), 1);
  assert.equal(allowed('v2-max', 16), 16);
  assert.equal(allowed('v1-quota', 16), 3);
  assert.equal(allowed('v1-none', 16), 16);
  assert.equal(allowed('none', 16), 16, 'no cgroup files: availableParallelism()');
  assert.deepEqual(readCgroupCpuFiles(fixture('v1-quota')), { cfsQuotaUs: '300000\n', cfsPeriodUs: '100000\n' });
});

test('usableCpus on this machine is between 1 and availableParallelism()', () => {
  const cpus = usableCpus();
  assert.ok(cpus >= 1 && cpus <= availableParallelism(), String(cpus));
});
