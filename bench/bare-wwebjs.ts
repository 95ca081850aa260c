// The bare library's start, for bench/recycle.ts: a fresh Node process that builds the Client the service's
// driver builds (worker/drivers/wwebjs/driver.ts: LocalAuth in the tenant's folder, the local page cache,
// the same Chromium and flags), calls initialize() on the saved login, waits for 'ready', destroys the
// client and prints one JSON line (support/bare-protocol.ts). Exits 2 when WhatsApp asks for a QR or the
// client fails: the profile must restore. The Client's options come from BARE_CLIENT (JSON, worked out by
// the parent: nothing but whatsapp-web.js is loaded here) or, without it, from the service's own modules
// loaded here (support/service-client.ts, which loads puppeteer's ESM build next to the CommonJS one
// whatsapp-web.js uses, as the worker does).
// Usage: CLIENTE_ID=51 SESSIONS_DIR=... CHROME_ARGS='[...]' node dist/bench/bare-wwebjs.js
import wwebjs from 'whatsapp-web.js';
import { parseBareClientOptions, type BareClientOptions, type BareReport } from './support/bare-protocol.js';

const loadedAt = Date.now();
// The driver's AUTH_TIMEOUT_MS (not exported there).
const AUTH_TIMEOUT_MS = 60_000;
// A start that takes longer has gone wrong.
const READY_TIMEOUT_MS = 60_000;

async function clientOptions(): Promise<BareClientOptions> {
  const given = process.env.BARE_CLIENT;
  // Chromium inherits this environment: it gets the service's, nothing more.
  delete process.env.BARE_CLIENT;
  if (given !== undefined) return parseBareClientOptions(given);
  const { serviceClientOptions } = await import('./support/service-client.js');
  return serviceClientOptions(process.env);
}

const { Client, LocalAuth } = wwebjs;
const options = await clientOptions();
const client = new Client({
  authStrategy: new LocalAuth({ dataPath: options.dataPath }),
  webVersionCache: { type: 'local', path: options.webCachePath },
  authTimeoutMs: AUTH_TIMEOUT_MS,
  puppeteer: { executablePath: options.executablePath, headless: true, args: options.args },
});

let failing: Promise<never> | undefined;
// Closes the browser before exiting, so no Chromium outlives a failed run.
function fail(why: string): Promise<never> {
  failing ??= (async () => {
    process.stderr.write(`bare whatsapp-web.js: ${why}\n`);
    await client.destroy().catch(() => undefined);
    process.exit(2);
  })();
  return failing;
}

let authenticatedAt = Number.NaN;
client.on('authenticated', () => {
  authenticatedAt = Date.now();
});
client.on('qr', () => void fail('WhatsApp asked for a QR: the saved login was not restored'));
client.on('auth_failure', (message: unknown) => void fail(`auth_failure: ${String(message)}`));
client.on('disconnected', (reason: unknown) => void fail(`disconnected before ready: ${String(reason)}`));

const timer = setTimeout(() => void fail(`not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
const ready = new Promise<{ mono: number; wall: number }>((resolve) => {
  client.once('ready', () => resolve({ mono: performance.now(), wall: Date.now() }));
});
const initializeAt = Date.now();
const initializeStarted = performance.now();
client.initialize().catch((error: unknown) => void fail(`initialize() failed: ${error instanceof Error ? error.message : String(error)}`));
const readyAt = await ready;
clearTimeout(timer);
if (failing) await failing;

const destroyStarted = performance.now();
client.removeAllListeners();
await client.destroy();
const report: BareReport = {
  loadedAt,
  initializeAt,
  authenticatedAt,
  readyAt: readyAt.wall,
  initializeToReadyMs: readyAt.mono - initializeStarted,
  destroyMs: performance.now() - destroyStarted,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(0);
