// What waiting for WhatsApp's server adds to a send: the bare whatsapp-web.js Client the driver builds, in
// real Chromium against the WhatsApp Web simulator, sendMessage() as it returns by default (the message is in
// the chat, ack 0) against sendMessage(..., { waitUntilMsgSent: true }) (the page has the send result and the
// server's ack 1), the driver's way. Alternating, one of each per round, each send to its own chat after
// the previous one reached the server, so neither waits behind the other. On the simulator the server is a
// local HTTPS call; against WhatsApp the wait is a round trip to its servers, more than measured here.
// Usage: npx tsc -p tsconfig.json && node dist/bench/ack-wait.js (BENCH_ACK_SENDS=20), or npm run bench.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import wwebjs from 'whatsapp-web.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../test/support/wa-sim/index.js';
import { chromiumArgs, resolveChromium } from '../worker/drivers/wwebjs/chromium.js';
import { formatMs, spread } from './support/stats.js';

const { Client, LocalAuth } = wwebjs;
type WAClient = InstanceType<typeof Client>;

const READY_TIMEOUT_MS = 60_000;

export interface AckWaitResults {
  noWaitMs: number[];
  waitMs: number[];
}

async function linkedClient(sim: WhatsAppSimulator, dataPath: string): Promise<WAClient> {
  const client = new Client({
    authStrategy: new LocalAuth({ dataPath }),
    webVersionCache: { type: 'local', path: path.join(dataPath, 'wwebjs-cache') },
    puppeteer: { executablePath: resolveChromium(process.env.CHROME_PATH || undefined), headless: true, args: chromiumArgs(sim.chromeArgs) },
  });
  client.once('qr', (qr: string) => sim.scan(qr));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await client.initialize();
  await ready;
  return client;
}

async function untilRecorded(sim: WhatsAppSimulator, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (sim.sentMessages().length < count) {
    if (Date.now() > deadline) throw new Error('the simulator did not record the send');
    await sleep(5);
  }
}

export async function measureAckWait(sends = Number(process.env.BENCH_ACK_SENDS ?? 20)): Promise<AckWaitResults> {
  const sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
  const dataPath = await mkdtemp(path.join(os.tmpdir(), 'bench-ack-wait-'));
  let client: WAClient | undefined;
  const results: AckWaitResults = { noWaitMs: [], waitMs: [] };
  try {
    client = await linkedClient(sim, dataPath);
    let sent = 0;
    const timed = async (wait: boolean): Promise<number> => {
      sent += 1;
      const chat = `54911${String(sent).padStart(8, '0')}@c.us`;
      const started = performance.now();
      await (client as WAClient).sendMessage(chat, `bench ${sent}`, wait ? { waitUntilMsgSent: true } : {});
      const ms = performance.now() - started;
      await untilRecorded(sim, sent);
      return ms;
    };
    // Two warm-up sends (the first ones load code in the page), not counted.
    await timed(false);
    await timed(true);
    for (let round = 0; round < sends; round++) {
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const wait of order) (wait ? results.waitMs : results.noWaitMs).push(await timed(wait));
    }
  } finally {
    await client?.destroy().catch(() => undefined);
    await sim.close();
    await rm(dataPath, { recursive: true, force: true });
  }
  return results;
}

export async function benchAckWait(): Promise<void> {
  const results = await measureAckWait();
  const added = spread(results.waitMs).median - spread(results.noWaitMs).median;
  console.log(`\nAck wait (whatsapp-web.js sendMessage in Chromium against the simulator, ${results.waitMs.length} sends each):`);
  console.log(`  returns at ack 0 (default):       ${formatMs(results.noWaitMs)}`);
  console.log(`  waitUntilMsgSent (server ack 1):  ${formatMs(results.waitMs)}`);
  console.log(`  the wait adds (median - median):  ${added.toFixed(1)} ms per send`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchAckWait();
