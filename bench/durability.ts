// What flushing to disk costs per send: the writes a send with an Idempotency-Key makes (the key's pending
// record, awaited before the worker gets the message; then its done record and the message's sent status,
// awaited before the answer), through the real journal, durable (fdatasync per batch, the service's way)
// against not durable, in alternating rounds on the same disk. One send at a time (each write its own flush,
// the worst case) and 16 at once (writes in flight together share a flush).
// Usage: npx tsc -p tsconfig.json && node dist/bench/durability.js (BENCH_DURABLE_SENDS=200), or npm run bench.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger } from '../shared/logger.js';
import { Journal } from '../supervisor/journal.js';
import { spread } from './support/stats.js';

type Row = Record<string, unknown>;

const ROUNDS = 6;
const CONCURRENT = 16;

interface Files {
  keys: Journal<Row>;
  statuses: Journal<Row>;
}

async function openFiles(dir: string, durable: boolean): Promise<Files> {
  const logger = createLogger({ component: 'supervisor', clienteId: 0, level: 'error' });
  const open = async (name: string): Promise<Journal<Row>> =>
    (await Journal.open<Row>({ file: path.join(dir, name), what: name, logger, parse: (value) => value as Row, durable })).journal;
  return { keys: await open('idempotency.jsonl'), statuses: await open('message-status.jsonl') };
}

let counter = 0;

// The records of one keyed send, in the order and with the waits of the send path.
async function oneSend(files: Files): Promise<void> {
  counter += 1;
  const key = `order-${counter}`;
  const at = Date.now();
  await files.keys.append({ key, fingerprint: 'x'.repeat(43), at, kind: 'pending' });
  const id = `true_5491123456789@c.us_3EB0${counter.toString(16).padStart(16, '0')}`;
  await Promise.all([
    files.statuses.append({ id, to: '5491123456789', ack: 1, sent_at: at, updated_at: at }),
    files.keys.append({ key, fingerprint: 'x'.repeat(43), at, kind: 'done', response: { ok: true, messageId: id } }),
  ]);
}

// Microseconds per send over `sends` sends, `parallel` at a time.
async function timeSends(files: Files, sends: number, parallel: number): Promise<number> {
  const started = performance.now();
  for (let done = 0; done < sends; done += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, sends - done) }, () => oneSend(files)));
  }
  return ((performance.now() - started) * 1000) / sends;
}

// Where the files go: BENCH_DISK_DIR (the disk the sessions live on; a tmpfs would make flushes free), else the temp folder.
function benchDir(): string {
  return process.env.BENCH_DISK_DIR ?? os.tmpdir();
}

export interface DurabilityResult {
  parallel: number;
  durableUs: number[];
  plainUs: number[];
}

export async function measureDurability(sends = Number(process.env.BENCH_DURABLE_SENDS ?? 200)): Promise<DurabilityResult[]> {
  const root = await mkdtemp(path.join(benchDir(), 'bench-durable-'));
  try {
    const durable = await openFiles(path.join(root, 'durable'), true);
    const plain = await openFiles(path.join(root, 'plain'), false);
    const results: DurabilityResult[] = [];
    for (const parallel of [1, CONCURRENT]) {
      const result: DurabilityResult = { parallel, durableUs: [], plainUs: [] };
      await timeSends(durable, 20, parallel);
      await timeSends(plain, 20, parallel);
      for (let round = 0; round < ROUNDS; round += 1) {
        const order = round % 2 === 0 ? [true, false] : [false, true];
        for (const isDurable of order) {
          const us = await timeSends(isDurable ? durable : plain, sends, parallel);
          (isDurable ? result.durableUs : result.plainUs).push(us);
        }
      }
      results.push(result);
    }
    return results;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export async function benchDurability(): Promise<void> {
  const results = await measureDurability();
  console.log(`\nDurable writes per send with an Idempotency-Key (3 records, real journal, ${ROUNDS} alternating rounds, in ${benchDir()}):`);
  for (const { parallel, durableUs, plainUs } of results) {
    const durable = spread(durableUs).median;
    const plain = spread(plainUs).median;
    console.log(
      `  ${String(parallel).padStart(2)} at a time: fdatasync ${durable.toFixed(0)} µs/send, without ${plain.toFixed(0)} µs/send: +${(durable - plain).toFixed(0)} µs (x${(durable / plain).toFixed(1)})`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchDurability();
