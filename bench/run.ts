// npm run bench: every benchmark, one after the other, on 127.0.0.1 only.
import { benchHttp } from './http.js';
import { benchLifecycle } from './lifecycle.js';

await benchLifecycle();
await benchHttp();
