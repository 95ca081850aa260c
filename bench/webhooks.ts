// What webhooks cost /send: the real service (fake driver) with WEBHOOK_URL set, side by side with one
// without, alternating rounds (bench/support/alternating-rounds.ts; the one without plays the baseline),
// first with a receiver on 127.0.0.1 that answers 204, then with one that is down (every event stays in the
// outbox). The supervisor's CPU time per send is the steadier figure on a shared machine (the receiver's
// own work runs in this process, the deliveries in the service's supervisor, both while the other is
// measured too). Then the outbox's bytes per queued event. Usage: npm run bench, or node dist/bench/webhooks.js.
import { stat } from 'node:fs/promises';
import { sessionLayout } from '../shared/session-layout.js';
import { request } from '../test/support/http.js';
import { startService, type ServiceProcess } from '../test/support/service-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test/support/webhook-receiver.js';
import { alternatingRounds, type BenchRoute } from './support/alternating-rounds.js';
import { pickLoadTool } from './support/load-generator.js';
import { spread } from './support/stats.js';
import { formatTable } from './support/table.js';

const SECONDS = 3;
const ROUNDS = 3;
const ENV = { FAKE_SCAN_DELAY_MS: '0', MAX_PENDING_CALLS: '1000', LOG_LEVEL: 'info' };

function sendRoute(connections: number): BenchRoute {
  return {
    name: 'POST /send',
    method: 'POST',
    path: '/send',
    body: JSON.stringify({ cliente_id: 51, to: '5491123456789', message: 'benchmark message' }),
    headers: { 'content-type': 'application/json' },
    connections,
    rounds: ROUNDS,
  };
}

async function ready(env: Record<string, string>): Promise<ServiceProcess> {
  const service = await startService({ env: { ...ENV, ...env } });
  await service.waitForState('READY');
  return service;
}

async function compare(label: string, off: ServiceProcess, on: ServiceProcess): Promise<void> {
  const tool = pickLoadTool();
  const server = (service: ServiceProcess): { url: string; pid: number } => ({ url: service.url, pid: service.child.pid ?? Number.NaN });
  for (const connections of [16, 1]) {
    const rounds = await alternatingRounds({ tool, route: sendRoute(connections), bare: server(off), service: server(on), seconds: SECONDS, warmupSeconds: 1 });
    const rows = rounds.map((round, index) => [
      String(index + 1),
      `${round.bare.rps.toFixed(0)} / ${round.service.rps.toFixed(0)}`,
      round.ratio.toFixed(2),
      `${round.bare.latencyMs.p50.toFixed(2)} / ${round.service.latencyMs.p50.toFixed(2)}`,
      `${round.bare.latencyMs.p99.toFixed(2)} / ${round.service.latencyMs.p99.toFixed(2)}`,
      `${round.bare.cpuUsPerRequest.toFixed(0)} / ${round.service.cpuUsPerRequest.toFixed(0)}`,
    ]);
    console.log(`POST /send, ${connections} connection(s), webhooks ${label}:`);
    for (const line of formatTable(['round', 'req/s off / on', 'on/off', 'p50 ms off / on', 'p99 ms off / on', 'supervisor CPU us/send off / on'], rows)) console.log(line);
    const cpu = (side: 'bare' | 'service'): string => spread(rounds.map((round) => round[side].cpuUsPerRequest)).median.toFixed(0);
    console.log(`  on/off median ${spread(rounds.map((round) => round.ratio)).median.toFixed(2)}; supervisor CPU per send, median: off ${cpu('bare')} us, on ${cpu('service')} us\n`);
  }
}

async function outboxBytesPerEvent(service: ServiceProcess): Promise<string> {
  const { body } = await request(`${service.url}/health`);
  const pending = Number((body.webhook as { pending: number }).pending);
  const { size } = await stat(sessionLayout({ sessionsDir: service.sessionsDir, clienteId: 51 }).webhookOutbox);
  return `${pending} events pending, outbox file ${size} bytes: ${(size / pending).toFixed(0)} bytes per queued event`;
}

export async function benchWebhooks(): Promise<void> {
  let receiver: WebhookReceiver | undefined;
  const services: ServiceProcess[] = [];
  try {
    receiver = await startWebhookReceiver();
    console.log('Webhooks: the service with and without WEBHOOK_URL, alternating rounds, fake driver, receiver on 127.0.0.1\n');
    const off = await ready({});
    services.push(off);
    const up = await ready({ WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: 'bench-secret' });
    services.push(up);
    await compare('on (receiver answers 204)', off, up);
    await up.stop('SIGTERM');
    await receiver.down();
    const down = await ready({ WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: 'bench-secret', WEBHOOK_QUEUE_MAX: '1000000', WEBHOOK_RETRY_MAX_MS: '1000' });
    services.push(down);
    await compare('on (receiver down: every event queued)', off, down);
    console.log(`Receiver down: ${await outboxBytesPerEvent(down)}; received while up: ${receiver.received.length}\n`);
  } finally {
    for (const service of services) await service.cleanup();
    await receiver?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchWebhooks();
