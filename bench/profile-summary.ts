/**
 * `node dist/bench/profile-summary.js DIR [TOP]`: prints the top functions by self time of every
 * CPU profile a `--profile DIR` bench run wrote, one table per process thread.
 */
import { summariseProfiles } from './profile.js';

const [dir, top = '15'] = process.argv.slice(2);
if (dir === undefined || !Number.isInteger(Number(top))) {
  process.stderr.write('usage: node dist/bench/profile-summary.js DIR [TOP]\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${summariseProfiles(dir, Number(top))}\n`);
}
