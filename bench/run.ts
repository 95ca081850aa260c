// npm run bench: every benchmark, one after the other, on 127.0.0.1 only. The recycle, the ack wait and memory per
// tenant (real Chromium, ~25 s) run when a Chromium is found; BENCH_CHROMIUM=1 adds the long sweep of Chromium flags and
// Node options (a few minutes).
import { benchAckWait } from './ack-wait.js';
import { benchChromiumMemory } from './chromium-memory.js';
import { benchDurability } from './durability.js';
import { benchHttp } from './http.js';
import { benchLifecycle } from './lifecycle.js';
import { benchMemory } from './memory.js';
import { benchRecycle, chromiumPresent } from './recycle.js';
import { benchWebhooks } from './webhooks.js';

await benchLifecycle();
await benchHttp();
await benchWebhooks();
await benchDurability();
if (chromiumPresent()) {
  await benchRecycle();
  await benchAckWait();
  await benchMemory();
  if (process.env.BENCH_CHROMIUM === '1') await benchChromiumMemory();
} else {
  console.log('Recycle and memory per tenant: skipped, they need Chromium (see README "Chromium").');
}
