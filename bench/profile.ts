/**
 * Where the time went: the functions with the most self time in each V8 CPU profile under a
 * directory (as written by `npm run bench -- --profile DIR`), as one markdown table per thread.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
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

/**
 * Stages of the data path, matched against the script URL of a sample's frame or, for a native or anonymous
 * frame (latin1Write, a RegExp, a Buffer copy), of its nearest caller that matches: a cost lands in the stage that
 * asked for it. First match wins.
 */
const STAGES: readonly (readonly [stage: string, url: RegExp])[] = [
  ['driver: mysql2 protocol parsing', /node_modules\/mysql2\//],
  ['driver: pg protocol parsing', /node_modules\/(pg|pg-protocol|pg-cursor|pg-types|postgres-[a-z]+)\//],
  ['worker pool (piscina: posting tasks; in a worker, waiting for one)', /node_modules\/piscina\//],
  ['packing rows for the workers (row-packer)', /\/row-packer\.js$/],
  ['source: converters and cursor (src/sources)', /\/src\/sources\//],
  ['pipeline: chunking, ordered merge (src/pipeline)', /\/src\/pipeline\//],
  ['engine: rendering, ZIP, deflate (src/xlsx, src/zip, zlib)', /\/src\/(xlsx|zip)\/|^node:zlib$/],
];
const OWN_STAGE = new Set(['(garbage collector)', '(idle)', '(program)', '(root)']);

/** Self time in microseconds per stage of the data path (see STAGES), largest first. */
export function stageTimes(profile: CpuProfile): [string, number][] {
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const stageOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = stageOf.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    let stage = '(other)';
    if (node !== undefined) {
      const { functionName, url } = node.callFrame;
      const matched = url === '' ? undefined : STAGES.find(([, pattern]) => pattern.test(url))?.[0];
      const parent = parentOf.get(id);
      if (OWN_STAGE.has(functionName)) stage = functionName;
      else if (matched !== undefined) stage = matched;
      else if (parent !== undefined) stage = resolve(parent);
    }
    stageOf.set(id, stage);
    return stage;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const stage = resolve(id);
    totals.set(stage, (totals.get(stage) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** One markdown table per profile under `dir`: self time per stage of the data path. */
export function summariseStages(dir: string): string {
  return profilesUnder(dir)
    .sort()
    .map((path) => {
      const times = stageTimes(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
      const total = times.reduce((sum, [, us]) => sum + us, 0);
      const lines = [`### ${relative(dir, path)} (${(total / 1e6).toFixed(2)} s sampled)`, '', '| self ms | % | stage |', '|---:|---:|---|'];
      for (const [stage, us] of times) lines.push(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} | ${stage} |`);
      return lines.join('\n');
    })
    .join('\n\n');
}
