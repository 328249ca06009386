/**
 * Where the time went: the functions with the most self time in each V8 CPU profile under a
 * directory (as written by `npm run bench -- --profile DIR`), as one markdown table per thread.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function profilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return profilesUnder(path);
    return name.endsWith('.cpuprofile') ? [path] : [];
  });
}

/** Self time in microseconds per function (name + file:line), largest first. */
export function selfTimes(profile: CpuProfile): [string, number][] {
  const frameOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url === '' ? '' : ` ${basename(url)}:${lineNumber + 1}`;
    frameOf.set(node.id, `${functionName || '(anonymous)'}${file}`);
  }
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const frame = frameOf.get(id) ?? '(unknown)';
    totals.set(frame, (totals.get(frame) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** One markdown table per profile under `dir`: the `top` functions by self time. */
export function summariseProfiles(dir: string, top: number): string {
  return profilesUnder(dir)
    .sort()
    .map((path) => {
      const times = selfTimes(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
      const total = times.reduce((sum, [, us]) => sum + us, 0);
      const lines = [`### ${relative(dir, path)} (${(total / 1e6).toFixed(2)} s sampled)`, '', '| self ms | % | function |', '|---:|---:|---|'];
      for (const [frame, us] of times.slice(0, top)) {
        lines.push(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} | \`${frame}\` |`);
      }
      return lines.join('\n');
    })
    .join('\n\n');
}
