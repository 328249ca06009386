/**
 * Debian's Chromium driven by playwright-core (no browser download: scripts/test-prerequisites.sh installs
 * `chromium`), an axe-core check in the same page, and screenshots for docs/console.md.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../../helpers/xlsx-check.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Quiet, offline, reproducible: no GPU, no QUIC, no first-run or background traffic. Playwright gives a fresh profile. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 120_000 });
}

export const LAPTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

let axeSource: string | undefined;

/**
 * axe-core on the page as it is now; fails on serious or critical violations. Evaluated through the DevTools
 * protocol, which the page's CSP does not govern (a script tag would be refused, as it should be).
 */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const violations = await page.evaluate(`${axeSource}
    axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })))`) as unknown[];
  assert.deepEqual(violations, [], `${what}: serious accessibility violations: ${JSON.stringify(violations, null, 2)}`);
}

/**
 * Screenshots go to docs/console/ when SHEETPIPE_SCREENSHOTS=1 (`npm run screenshots:console`), else to the
 * test's temp folder: a test run must not rewrite tracked files.
 */
export async function screenshotDir(tempDir: string): Promise<string> {
  const dir = process.env.SHEETPIPE_SCREENSHOTS === '1' ? join(repoRoot, 'docs', 'console') : join(tempDir, 'screenshots');
  await mkdir(dir, { recursive: true });
  return dir;
}
