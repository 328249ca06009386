/**
 * `node dist/bench/profile-summary.js DIR [TOP]`: prints the top functions by self time of every
 * CPU profile a `--profile DIR` bench run wrote, one table per process thread.
 * `node dist/bench/profile-summary.js --stages DIR`: the same self time summed per stage of the data path
 * (driver parsing, converters, packing, worker pool, engine, GC, idle).
 */
import { summariseProfiles, summariseStages } from './profile.js';

const args = process.argv.slice(2);
const stages = args[0] === '--stages';
const [dir, top = '15'] = stages ? args.slice(1) : args;
if (dir === undefined || !Number.isInteger(Number(top))) {
  process.stderr.write('usage: node dist/bench/profile-summary.js [--stages] DIR [TOP]\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${stages ? summariseStages(dir) : summariseProfiles(dir, Number(top))}\n`);
}
