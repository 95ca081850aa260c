// /health, /status and /send of the real service (supervisor + forked worker, fake driver) side by side
// with a bare Koa server, in the same run, alternating rounds. Reports ratios; lone timings on shared
// machines mean little. Usage: npm run bench  (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS to tune).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startService, type ServiceProcess } from '../test/support/service-process.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SEND_BODY = JSON.stringify({ cliente_id: 51, to: '5491123456789', message: 'benchmark message' });

interface Target {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  // Sends leave one at a time by design: one connection shows the latency a single caller sees.
  connections?: number;
}

const TARGETS: Target[] = [
  { name: 'GET /health', method: 'GET', path: '/health' },
  { name: 'GET /status', method: 'GET', path: '/status' },
  { name: 'POST /send', method: 'POST', path: '/send' },
  { name: 'POST /send 1c', method: 'POST', path: '/send', connections: 1 },
];

export interface Measure {
  rps: number;
  p50: number;
  p99: number;
  mean: number;
}

async function measure(url: string, target: Target, seconds = SECONDS): Promise<Measure> {
  const result = await autocannon({
    url: `${url}${target.path}`,
    method: target.method,
    connections: target.connections ?? CONNECTIONS,
    duration: seconds,
    ...(target.method === 'POST' ? { body: SEND_BODY, headers: { 'content-type': 'application/json' } } : {}),
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${target.name} on ${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.mean };
}

async function startBareKoa(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./bare-koa.js', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString('utf8')) as { port: number }).port));
    child.once('exit', () => reject(new Error('bare Koa exited')));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function benchHttp(): Promise<void> {
  const bare = await startBareKoa();
  let service: ServiceProcess | undefined;
  try {
    service = await startService({ env: { FAKE_SCAN_DELAY_MS: '0', LOG_LEVEL: 'info', MAX_PENDING_CALLS: '1000' } });
    await service.waitForState('READY');
    console.log(`HTTP: ${ROUNDS} alternating rounds of ${SECONDS}s, ${CONNECTIONS} connections, fake driver\n`);
    const rows: string[][] = [['route', 'bare Koa req/s', 'service req/s', 'service/bare', 'bare p50/p99 ms', 'service p50/p99 ms', 'mean ms bare/svc']];
    for (const target of TARGETS) {
      const bareRuns: Measure[] = [];
      const serviceRuns: Measure[] = [];
      // Warm both servers up (JIT, connection pools) before anything counts.
      await measure(bare.url, target, 1);
      await measure(service.url, target, 1);
      for (let round = 0; round < ROUNDS; round += 1) {
        bareRuns.push(await measure(bare.url, target));
        serviceRuns.push(await measure(service.url, target));
      }
      const bareRps = median(bareRuns.map((run) => run.rps));
      const serviceRps = median(serviceRuns.map((run) => run.rps));
      rows.push([
        target.name,
        bareRps.toFixed(0),
        serviceRps.toFixed(0),
        (serviceRps / bareRps).toFixed(2),
        `${median(bareRuns.map((run) => run.p50))}/${median(bareRuns.map((run) => run.p99))}`,
        `${median(serviceRuns.map((run) => run.p50))}/${median(serviceRuns.map((run) => run.p99))}`,
        `${median(bareRuns.map((run) => run.mean)).toFixed(2)}/${median(serviceRuns.map((run) => run.mean)).toFixed(2)}`,
      ]);
    }
    for (const row of rows) console.log(row.map((cell, index) => cell.padEnd(index === 0 ? 14 : 19)).join(''));
  } finally {
    bare.child.kill('SIGTERM');
    await service?.stop('SIGTERM');
    await service?.cleanup();
  }
}
