// Idle CPU cost of monitorEventLoopDelay at a resolution: node bench/loop-delay-cost.mjs <ms> (0: no monitor). 10 s.
import { monitorEventLoopDelay } from 'node:perf_hooks';
const res = Number(process.argv[2]);
const h = res > 0 ? monitorEventLoopDelay({ resolution: res }) : null;
h?.enable();
const keep = setInterval(() => {}, 1000);
const start = process.cpuUsage();
setTimeout(() => {
  const u = process.cpuUsage(start);
  console.log(JSON.stringify({ res, cpuMsPerSec: (u.user + u.system) / 1000 / 10, p50: h ? h.percentile(50) / 1e6 : null, p99: h ? h.percentile(99) / 1e6 : null }));
  clearInterval(keep); process.exit(0);
}, 10_000);
