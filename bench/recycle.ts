// Recycle time of the real service (SIGUSR2 -> READY again, whatsapp-web.js in Chromium against the
// WhatsApp Web simulator) next to the bare library's start on the same saved profile: a fresh Node process
// (bench/bare-wwebjs.ts) that builds the service's Client, from spawn to 'ready', and its initialize() alone.
// Target: recycle median / bare process-start median <= 1.0. The bare start is run two ways (support/
// bare-run.ts): loading the service's modules to build the Client's options, as specified, which also
// loads puppeteer's ESM build beside the CommonJS one whatsapp-web.js loads (a cost the worker pays too);
// and loading the library only, the options handed over: the library's own cost.
// Both are timed on one wall clock, to the millisecond, with nothing polled: the recycle from just before
// the parent sends SIGUSR2 to the timestamp of the supervisor's "WhatsApp state" READY log line (the moment
// /status turns READY); the bare run from just before spawn() to the client's 'ready'.
// Each round runs a recycle (R) and one bare start of each mode (S: service modules, L: library only), in
// the order R S L, then L S R, and so on, the service stopped (SIGTERM) before a bare run and started again
// after, so a noisy moment on the host hits both. Each must restore the saved login, never show a QR.
// Usage: npx tsc -p tsconfig.json && node dist/bench/recycle.js (BENCH_RECYCLE_RUNS=5, BENCH_RECYCLE_WARMUP=1),
//   or npm run bench (when Chromium is present).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { request } from '../test/support/http.js';
import type { ServiceProcess } from '../test/support/service-process.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../test/support/wa-sim/index.js';
import { resolveChromium } from '../worker/drivers/wwebjs/chromium.js';
import { runBare, type BareMode, type BareRun } from './support/bare-run.js';
import { describeMilestones, milestones, type Milestones } from './support/recycle-timeline.js';
import { formatMs, spread } from './support/stats.js';
import {
  assertNoQrSince,
  killLeftoverChromium,
  loginByQr,
  logTime,
  startWwebjsService,
  stopCleanly,
  STEP_TIMEOUT_MS,
  wwebjsEnv,
} from './support/wwebjs-service.js';

// Quiet time before each timed step, so the previous step's tail (a browser closing, the page settling
// after READY, whatever the service prepares once READY) lands on neither.
const SETTLE_MS = 2000;
// How long the log is still read after READY, to show what of the old worker's stop comes after it.
const TAIL_MS = 500;

export interface RecycleRun {
  ms: number;
  timeline: Milestones;
}

export interface RecycleResults {
  recycles: RecycleRun[];
  bare: Record<BareMode, BareRun[]>;
  // The host's 1-minute load average at the start and at the end (other work on the machine).
  load: [number, number];
}

// True when a Chromium the service would use is installed (the benchmark needs one).
export function chromiumPresent(): boolean {
  try {
    resolveChromium(process.env.CHROME_PATH || undefined);
    return true;
  } catch {
    return false;
  }
}

function integerFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${String(raw)}`);
  return value;
}

async function workerPid(service: ServiceProcess): Promise<number> {
  const { body } = await request(`${service.url}/status`);
  const worker = body.worker as { pid?: unknown } | undefined;
  if (body.state !== 'READY' || typeof worker?.pid !== 'number') {
    throw new Error(`Expected a READY worker, /status says ${JSON.stringify(body)}`);
  }
  return worker.pid;
}

// One SIGUSR2 on a READY service, timed to the supervisor's READY line.
async function timeRecycle(service: ServiceProcess): Promise<RecycleRun> {
  const oldPid = await workerPid(service);
  await sleep(SETTLE_MS);
  const signalledAt = Date.now();
  service.child.kill('SIGUSR2');
  const isReady = (line: Record<string, unknown>): boolean =>
    line.message === 'WhatsApp state' && line.state === 'READY' && line.previous === 'INIT' && logTime(line) >= signalledAt;
  const ready = await service
    .waitForLog(isReady, STEP_TIMEOUT_MS)
    .catch((error: unknown) => {
      throw new Error(`The service logged no "WhatsApp state" READY (after INIT) within ${STEP_TIMEOUT_MS} ms of SIGUSR2`, { cause: error });
    });
  assertNoQrSince(service, signalledAt, 'The recycle');
  if ((await workerPid(service)) === oldPid) throw new Error(`SIGUSR2 did not replace the worker (pid ${oldPid} still serves)`);
  await sleep(TAIL_MS);
  return { ms: logTime(ready) - signalledAt, timeline: milestones(service.logs(), signalledAt, oldPid) };
}

async function startOnSavedLogin(sim: WhatsAppSimulator, sessionsDir: string): Promise<ServiceProcess> {
  const startedAt = Date.now();
  const service = await startWwebjsService(sim, sessionsDir);
  try {
    await service.waitForState('READY', STEP_TIMEOUT_MS);
    assertNoQrSince(service, startedAt, 'A start on the saved login');
    return service;
  } catch (error) {
    await service.cleanup();
    throw error;
  }
}

// Runs warm-up rounds (not counted), then `runs` rounds of one recycle and one bare start of each mode,
// the order reversed every other round.
export async function benchRecycle(
  runs = integerFromEnv('BENCH_RECYCLE_RUNS', 5, 1),
  warmup = integerFromEnv('BENCH_RECYCLE_WARMUP', 1, 0),
): Promise<RecycleResults> {
  const sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
  const sessionsDir = await mkdtemp(path.join(os.tmpdir(), 'sm-recycle-'));
  const bare: RecycleResults['bare'] = { 'service-modules': [], 'library-only': [] };
  const results: RecycleResults = { recycles: [], bare, load: [os.loadavg()[0] ?? Number.NaN, Number.NaN] };
  let service: ServiceProcess | undefined;
  try {
    service = await startWwebjsService(sim, sessionsDir);
    await loginByQr(service, sim);
    const steps: { kind: 'recycle' | BareMode; counted: boolean }[] = [];
    for (let round = 0; round < warmup + runs; round += 1) {
      const order = ['recycle', 'service-modules', 'library-only'] as const;
      for (const kind of round % 2 === 0 ? order : [...order].reverse()) steps.push({ kind, counted: round >= warmup });
    }
    for (const step of steps) {
      if (step.kind === 'recycle') {
        service ??= await startOnSavedLogin(sim, sessionsDir);
        const run = await timeRecycle(service);
        if (step.counted) results.recycles.push(run);
      } else {
        if (service) await stopCleanly(service);
        service = undefined;
        await sleep(SETTLE_MS);
        const run = await runBare(sessionsDir, wwebjsEnv(sim), step.kind);
        if (step.counted) results.bare[step.kind].push(run);
      }
    }
    const unknown = sim.unknownModules();
    if (unknown.length > 0) throw new Error(`whatsapp-web.js asked the simulator for unknown modules: ${unknown.join(', ')}`);
    results.load[1] = os.loadavg()[0] ?? Number.NaN;
  } finally {
    if (service) await service.cleanup();
    const left = killLeftoverChromium(sessionsDir);
    await sim.close();
    await rm(sessionsDir, { recursive: true, force: true, maxRetries: 5 });
    if (left > 0) console.error(`Recycle benchmark: killed ${left} Chromium processes left on its profile`);
  }
  printResults(results, warmup);
  return results;
}

const MODES: readonly BareMode[] = ['service-modules', 'library-only'];

function printResults({ recycles, bare, load }: RecycleResults, warmup: number): void {
  const recycleMs = recycles.map((run) => run.ms);
  const recycleMedian = spread(recycleMs).median;
  const row = (title: string, values: string): void => console.log(`  ${title.padEnd(56)}${values}`);
  const loadText = `host load average ${load[0].toFixed(1)} at the start, ${load[1].toFixed(1)} at the end, ${os.cpus().length} CPUs`;
  console.log(`Recycle vs bare whatsapp-web.js on the same saved profile, ${recycles.length} rounds (recycle, bare x2) alternating,`);
  console.log(`${warmup} warm-up round(s) not counted; ${loadText}:`);
  row('service SIGUSR2 -> READY:', formatMs(recycleMs));
  for (const mode of MODES) {
    row(`bare process start -> ready (${mode}):`, formatMs(bare[mode].map((run) => run.processStartToReadyMs)));
    row(`bare initialize() -> ready (${mode}):`, formatMs(bare[mode].map((run) => run.report.initializeToReadyMs)));
  }
  for (const mode of MODES) {
    const startMs = bare[mode].map((run) => run.processStartToReadyMs);
    const perRound = spread(recycleMs.map((ms, index) => ms / (startMs[index] ?? Number.NaN)));
    const target = mode === 'service-modules' ? 'target <= 1.00; ' : '';
    const ratio = (recycleMedian / spread(startMs).median).toFixed(2);
    row(`ratio recycle / bare process start (${mode}):`, `${ratio} (${target}per round min ${perRound.min.toFixed(2)}, max ${perRound.max.toFixed(2)})`);
  }
  for (const mode of MODES) {
    const initMedian = spread(bare[mode].map((run) => run.report.initializeToReadyMs)).median;
    row(`ratio recycle / bare initialize() (${mode}):`, (recycleMedian / initMedian).toFixed(2));
  }
  const phases: [string, (run: BareRun) => number][] = [
    ['Node start + import whatsapp-web.js', (run) => run.report.loadedAt - run.spawnedAt],
    ['-> options worked out, initialize()', (run) => run.report.initializeAt - run.report.loadedAt],
    ["-> 'authenticated'", (run) => run.report.authenticatedAt - run.report.initializeAt],
    ["-> 'ready'", (run) => run.report.readyAt - run.report.authenticatedAt],
    ['destroy() after ready (not counted)', (run) => run.report.destroyMs],
  ];
  for (const mode of MODES) {
    console.log(`  bare run (${mode}), from spawn:`);
    for (const [title, pick] of phases) row(`  ${title}:`, formatMs(bare[mode].map(pick)));
  }
  console.log('  recycle, first log line of each kind after SIGUSR2 (median offset, min..max, runs seen):');
  for (const line of describeMilestones(recycles.map((run) => run.timeline))) console.log(`    ${line}`);
  console.log('');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchRecycle();
}
