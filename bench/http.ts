// GET /health, GET /status and POST /send of the real service (supervisor + forked worker, fake driver)
// side by side with a bare Koa server answering the same bytes, each in its own process, with the load
// generator in a third (wrk, else autocannon's CLI). Alternating rounds, one ratio per round; lone req/s
// on a shared machine mean little. Usage: npm run bench. BENCH_SECONDS (per server and round), BENCH_ROUNDS (polled
// routes), BENCH_SEND_ROUNDS, BENCH_CONNECTIONS (polled routes), BENCH_LOAD_GENERATOR=wrk|autocannon,
// BENCH_BARE_ROUTER=1 (the bare Koa routes with @koa/router, as a typical app; by default it has no router:
// the cheapest Koa can be, the strictest baseline).
import { request } from '../test/support/http.js';
import { startService, type ServiceProcess } from '../test/support/service-process.js';
import { alternatingRounds, type BenchRoute } from './support/alternating-rounds.js';
import { startBareKoa, type BareKoa } from './support/bare-koa-process.js';
import { routeReport } from './support/http-report.js';
import { pickLoadTool } from './support/load-generator.js';
import { assertSameAnswers } from './support/same-answers.js';

// Issue 7: polled routes at >= 0.9x bare Koa in every round.
const POLLED_TARGET = 0.9;
const WARMUP_SECONDS = 2;
// The worker's memory shows in both answers; it is first measured at the first heartbeat (10 s).
const MEMORY_WAIT_MS = 15_000;

function integerSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Expected ${name} to be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function routes(): BenchRoute[] {
  const rounds = integerSetting('BENCH_ROUNDS', 5, 1, 50);
  const sendRounds = integerSetting('BENCH_SEND_ROUNDS', 3, 1, 50);
  const connections = integerSetting('BENCH_CONNECTIONS', 32, 1, 1000);
  const send = {
    method: 'POST',
    path: '/send',
    body: JSON.stringify({ cliente_id: 51, to: '5491123456789', message: 'benchmark message' }),
    headers: { 'content-type': 'application/json' },
    rounds: sendRounds,
  } as const;
  return [
    { name: 'GET /health', method: 'GET', path: '/health', connections, rounds },
    { name: 'GET /status', method: 'GET', path: '/status', connections, rounds },
    // Sends leave one at a time by design; one connection shows the latency a single caller sees.
    { name: 'POST /send', ...send, connections: 16 },
    { name: 'POST /send', ...send, connections: 1 },
  ];
}

async function statusAnswer(url: string): Promise<Record<string, unknown>> {
  const { status, body } = await request(`${url}/status`);
  if (status !== 200) throw new Error(`GET /status on the service answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

async function waitForMemory(url: string): Promise<void> {
  const deadline = Date.now() + MEMORY_WAIT_MS;
  while (Date.now() < deadline) {
    const { worker } = (await statusAnswer(url)) as { worker?: { memory_mb?: unknown } };
    if (worker?.memory_mb !== null && worker?.memory_mb !== undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface RunningBare {
  server: BareKoa;
  // The service's GET /status answer it repeats.
  snapshot: string;
}

// A bare server that answers `route` with the service's bytes. The session fields it repeats (worker
// memory...) may have moved since it started, even between the two answers compared: it is restarted on
// the latest, and gets one more try.
async function matchedBare(
  serviceUrl: string,
  running: RunningBare | undefined,
  route: BenchRoute,
  router: boolean,
): Promise<{ bare: RunningBare; bodyBytes: number }> {
  let bare = running;
  for (let attempt = 1; ; attempt += 1) {
    const snapshot = JSON.stringify(await statusAnswer(serviceUrl));
    if (bare?.snapshot !== snapshot) {
      await bare?.server.stop();
      bare = { server: await startBareKoa(JSON.parse(snapshot) as Record<string, unknown>, { router }), snapshot };
    }
    try {
      return { bare, bodyBytes: await assertSameAnswers(serviceUrl, bare.server.url, route) };
    } catch (error) {
      if (attempt === 2) {
        await bare.server.stop();
        throw error;
      }
    }
  }
}

export async function benchHttp(): Promise<void> {
  const tool = pickLoadTool();
  const seconds = integerSetting('BENCH_SECONDS', 4, 1, 60);
  const router = integerSetting('BENCH_BARE_ROUTER', 0, 0, 1) === 1;
  let service: ServiceProcess | undefined;
  let bare: RunningBare | undefined;
  try {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '0', LOG_LEVEL: 'info', MAX_PENDING_CALLS: '1000' } });
    await service.waitForState('READY');
    await waitForMemory(service.url);
    const serviceServer = { url: service.url, pid: service.child.pid ?? Number.NaN };
    console.log(
      `HTTP: service vs bare Koa (${router ? 'with @koa/router' : 'no router'}), each in its own process, load from ${tool} in a third;` +
        ` rounds of ${seconds} x 1 s per server, interleaved; fake driver\n`,
    );
    for (const route of routes()) {
      const matched = await matchedBare(service.url, bare, route, router);
      bare = matched.bare;
      const { bodyBytes } = matched;
      const rounds = await alternatingRounds({ tool, route, bare: bare.server, service: serviceServer, seconds, warmupSeconds: WARMUP_SECONDS });
      const target = route.method === 'GET' ? POLLED_TARGET : undefined;
      for (const line of routeReport(route, bodyBytes, rounds, target)) console.log(line);
    }
  } finally {
    await bare?.server.stop();
    await service?.stop('SIGTERM');
    await service?.cleanup();
  }
}
