// npm run bench: every benchmark, one after the other, on 127.0.0.1 only. The memory per tenant (real
// Chromium, ~20 s) runs when a Chromium is found; BENCH_CHROMIUM=1 adds the long sweep of Chromium flags and
// Node options (a few minutes).
import { resolveChromium } from '../worker/drivers/wwebjs/chromium.js';
import { benchChromiumMemory } from './chromium-memory.js';
import { benchHttp } from './http.js';
import { benchLifecycle } from './lifecycle.js';
import { benchMemory } from './memory.js';

function chromiumFound(): boolean {
  try {
    resolveChromium(process.env.CHROME_PATH || undefined);
    return true;
  } catch (error) {
    console.log(`Memory per tenant: skipped, it needs Chromium. ${error instanceof Error ? error.message : String(error)}\n`);
    return false;
  }
}

await benchLifecycle();
await benchHttp();
if (chromiumFound()) {
  await benchMemory();
  if (process.env.BENCH_CHROMIUM === '1') await benchChromiumMemory();
}
