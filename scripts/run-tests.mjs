// Runs every compiled test file under dist/test with node's test runner, one file at a time
// (the suites share real databases and a 2-core machine). Pass file-name filters as arguments.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = findTests('dist/test')
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// A file's process that cannot exit (a thread or handle left alive) would otherwise hang the run until CI's limit,
// naming nothing: the default timeout also bounds each file, which then fails as "timed out", by name. The longest
// file takes about 2 minutes on a busy machine; tests that need longer set their own timeout.
const FILE_TIMEOUT_MS = 15 * 60_000;
const result = spawnSync(process.execPath, ['--expose-gc', '--test', '--test-concurrency=1', `--test-timeout=${FILE_TIMEOUT_MS}`, '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
