/**
 * A real headless Chromium for the report tests, driven by playwright-core (which downloads
 * nothing: it drives the Debian `chromium` package, or `NPURUN_CHROMIUM`). When no browser is
 * installed the browser tests are skipped with a message saying how to get one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The Chromium executable, or `undefined` when none is installed. */
export function findChromium(): string | undefined {
  const candidates = [process.env.NPURUN_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((c): c is string => c !== undefined && c !== '' && fs.existsSync(c));
}

/** Why browser tests are skipped, when they are. */
export const NO_BROWSER_MESSAGE = 'report browser tests skipped: no Chromium found (apt-get install -y chromium, or set NPURUN_CHROMIUM to a Chromium executable)';

/** Launches a fresh headless Chromium (its own profile directory); the caller closes it. */
export async function launchBrowser(executablePath: string): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What loading a report saw. */
export interface LoadedReport {
  /** The page (still open). */
  page: Page;
  /** Page errors and console errors. */
  errors: string[];
  /** Requests for anything other than the report file itself. */
  foreignRequests: string[];
  /** `window.__npurunReport` after the first render. */
  state: { firstRenderMs: number; bars: number; arrows: number; arrowsHidden: number; lanes: number };
}

/** Opens `file` from file://, refusing every other request, and waits for the first render. */
export async function loadReport(context: BrowserContext, file: string): Promise<LoadedReport> {
  const page = await context.newPage();
  const errors: string[] = [];
  const foreignRequests: string[] = [];
  const url = `file://${file}`;
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    foreignRequests.push(route.request().url());
    return route.abort();
  });
  await page.goto(url);
  // Page code is passed as text: these tests are type-checked for Node, without the DOM's types.
  await page.waitForFunction('document.body.dataset.rendered === "true"', null, { timeout: 30_000 });
  const state = await page.evaluate<LoadedReport['state']>(
    '(() => { const r = window.__npurunReport; return { firstRenderMs: r.firstRenderMs, bars: r.bars, arrows: r.arrows, arrowsHidden: r.arrowsHidden, lanes: r.lanes }; })()',
  );
  return { page, errors, foreignRequests, state };
}
