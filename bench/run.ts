// npm run bench: every benchmark, one after the other, on 127.0.0.1 only.
// BENCH_CHROMIUM=1 adds the Chromium memory benchmark (real Chromium, a few minutes).
import { benchChromiumMemory } from './chromium-memory.js';
import { benchHttp } from './http.js';
import { benchLifecycle } from './lifecycle.js';
import { benchRecycle, chromiumPresent } from './recycle.js';

await benchLifecycle();
await benchHttp();
if (chromiumPresent()) await benchRecycle();
if (process.env.BENCH_CHROMIUM === '1') await benchChromiumMemory();
