// Finds the Chromium to run and builds its command line.
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import type { PuppeteerNode } from 'puppeteer';

// The CommonJS build, the one whatsapp-web.js loads: importing the ESM build too would load puppeteer twice
// (~170 ms of worker start-up and 11 MiB of worker PSS, measured: bench/chromium-memory.ts).
const puppeteer = createRequire(import.meta.url)('puppeteer') as PuppeteerNode;

// Debian's chromium-headless-shell first: the same Chromium without the desktop browser around the page
// (no browser UI, no omnibox, no extensions system), which a headless WhatsApp page never uses. Measured
// (npm run bench, memory per tenant): Chromium PSS 314 -> 185 MiB alone, each added tenant 155 -> 110 MiB.
// It reads the same profile as /usr/bin/chromium of the same version, so a saved login survives a switch
// either way (test/e2e/browser-switch.test.ts).
const SYSTEM_CHROMIUM_PATHS = [
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
] as const;

// Flags for a headless browser on a server: no GPU, no background traffic to Google (these machines'
// networks refuse it, and it wastes memory everywhere), shared memory in /tmp (small /dev/shm in containers),
// and no helper processes a single long-lived page never uses.
const SERVER_FLAGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--mute-audio',
  // No WebGL needed: the GPU process shrinks (~14 MB PSS measured, bench/chromium-memory.ts).
  '--disable-software-rasterizer',
  // The omnibox popup is preloaded even headless (~49 MB PSS) and a spare renderer kept for navigations
  // that never come (~5 MB). Names are Chromium 156's; unknown names are ignored, so re-measure on upgrades.
  '--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,WebUIOmniboxPopup,WebUIOmniboxAimPopup,SpareRendererForSitePerProcess',
  // Measured and left out (bench/memory-variants.ts has each figure): V8 heap flags (--js-flags
  // --max-semi-space-size, --lite-mode, --optimize-for-size), more --disable-features of background services,
  // --renderer-process-limit, --disable-site-isolation-trials, --enable-low-end-device-mode, cache and raster
  // flags save nothing measurable; --no-zygote costs 12 MiB; --in-process-gpu, NetworkServiceInProcess2 and
  // --single-process save 3-26 MiB by merging helpers into the browser, where a helper's crash takes it down.
] as const;

class ChromiumNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChromiumNotFoundError';
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    // Missing or not executable: the answer, not a failure (the caller names every path it tried).
    return false;
  }
}

// CHROME_PATH if set, else the browser puppeteer downloaded (if it did), else a system Chromium.
export function resolveChromium(chromePath: string | undefined, candidates: readonly string[] = SYSTEM_CHROMIUM_PATHS): string {
  if (chromePath !== undefined) {
    if (isExecutable(chromePath)) return chromePath;
    throw new ChromiumNotFoundError(
      `CHROME_PATH=${chromePath} is not an executable file. Point CHROME_PATH at Chromium or Chrome (e.g. /usr/bin/chromium), or unset it to use the browser found automatically.`,
    );
  }
  const downloaded = puppeteerBrowser();
  const found = [downloaded, ...candidates].find((file): file is string => file !== undefined && isExecutable(file));
  if (found) return found;
  throw new ChromiumNotFoundError(
    `No Chromium found (looked for puppeteer's browser and ${candidates.join(', ')}). On Debian/Ubuntu: sudo apt-get install -y chromium-headless-shell. Elsewhere: install Chrome or Chromium and set CHROME_PATH, or run "npx puppeteer browsers install chrome" where the internet is reachable.`,
  );
}

function puppeteerBrowser(): string | undefined {
  try {
    return puppeteer.executablePath();
  } catch {
    // puppeteer has no browser configured (its download was skipped): the system paths are tried next.
    return undefined;
  }
}

export function chromiumArgs(extra: readonly string[], isRoot: boolean = process.getuid?.() === 0): string[] {
  // Chromium refuses to start as root with its sandbox on; elsewhere the sandbox stays.
  return [...(isRoot ? ['--no-sandbox'] : []), ...SERVER_FLAGS, ...extra];
}
