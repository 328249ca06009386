/**
 * No import cycles in src/: a cycle makes module order matter (a value read before its module ran is
 * undefined) and ties modules that should change alone. Type-only imports count too: they are the
 * same knot, and turn into runtime cycles with the next value import. madge reads the TypeScript
 * sources (resolving `./x.js` to `./x.ts` through tsconfig.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('src/ has no import cycle, counting type-only imports', { timeout: 120_000 }, async () => {
  const graph = await madge(`${ROOT}src`, {
    fileExtensions: ['ts'],
    tsConfig: `${ROOT}tsconfig.json`,
    detectiveOptions: { ts: { skipTypeImports: false }, es6: { skipTypeImports: false } },
  });
  const files = Object.keys(graph.obj());
  // A misconfigured madge sees no files or no imports and would pass anything.
  assert.ok(files.length > 100, `madge read ${files.length} files`);
  assert.ok(graph.obj()['service/app.ts']?.includes('service/config/types.ts'), 'madge resolves .js imports to .ts files');
  assert.deepEqual(graph.circular().map((cycle) => cycle.join(' -> ')), []);
});
