// Memory of the Chromium that whatsapp-web.js keeps open for one session, per set of extra Chromium flags:
// the real service (supervisor + worker + whatsapp-web.js) against the WhatsApp Web simulator, logged in by a
// QR scan, measured once settled and again after a send. Each flag set must also keep the session working:
// READY, a send WhatsApp records, and a restart on the same profile that is READY without a QR.
// Usage: npx tsc -p tsconfig.json && node dist/bench/chromium-memory.js, or BENCH_CHROMIUM=1 npm run bench
//   (BENCH_CHROMIUM_RUNS=3; BENCH_CHROMIUM_SETS=defaults,no-zygote picks sets by name).
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { chromiumProcessesFor } from '../test/support/chromium-processes.js';
import { postJson, request } from '../test/support/http.js';
import { startService, type ServiceProcess } from '../test/support/service-process.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../test/support/wa-sim/index.js';
import { otherChromiumProcesses, processMemory, treeMemory, type TreeMemory } from './support/process-memory.js';

export interface FlagSet {
  name: string;
  // Appended to the service's own flags through CHROME_ARGS.
  args: readonly string[];
}

// Candidates measured against the service's defaults (worker/chromium.ts). The omnibox-popup, spare-renderer
// and software-rasterizer flags this benchmark found (-70 MB PSS) are in the defaults now; the sets below
// are what was tried and left out (see the README), kept to re-measure on a Chromium upgrade.
export const FLAG_SETS: readonly FlagSet[] = [
  { name: 'defaults', args: [] },
  { name: 'renderer-limit-1', args: ['--renderer-process-limit=1'] },
  { name: 'no-site-isolation-trials', args: ['--disable-site-isolation-trials'] },
  { name: 'process-per-site', args: ['--process-per-site'] },
  { name: 'v8-old-space-256', args: ['--js-flags=--max-old-space-size=256'] },
  { name: 'network-in-process', args: ['--enable-features=NetworkServiceInProcess2'] },
  { name: 'in-process-gpu', args: ['--in-process-gpu'] },
  { name: 'no-zygote', args: ['--no-zygote'] },
  { name: 'low-end-device', args: ['--enable-low-end-device-mode'] },
  { name: 'v8-optimize-for-size', args: ['--js-flags=--optimize-for-size'] },
];

const STEP_TIMEOUT_MS = 60_000;
const SETTLE_MS = 3000;
const TO = '5491122334455';

interface Sample {
  processes: number;
  pssKb: number;
  pssAnonKb: number;
  rssKb: number;
  // Chromium processes of others on the host at that moment (they lower our PSS of shared files).
  others: number;
}

interface RunResult {
  ready: Sample;
  sent: Sample;
  workerRssKb: number;
  supervisorRssKb: number;
  startToReadyMs: number;
  sendMs: number;
  // Process count and PSS by Chromium process type, after the send.
  kinds: Record<string, { count: number; pssKb: number; pssAnonKb: number }>;
  // Why the restart on the saved profile failed, when it was checked and did.
  restartProblem?: string;
}

export interface FlagSetResult {
  set: FlagSet;
  runs: RunResult[];
  // Why the set failed (a run or the restart check), if it did.
  problem?: string;
}

function sample(tree: TreeMemory): Sample {
  const ours = new Set(tree.processes.map((found) => found.pid));
  return { processes: tree.processes.length, pssKb: tree.pssKb, pssAnonKb: tree.pssAnonKb, rssKb: tree.rssKb, others: otherChromiumProcesses(ours) };
}

function byKind(tree: TreeMemory): RunResult['kinds'] {
  const kinds: RunResult['kinds'] = {};
  for (const found of tree.processes) {
    const total = (kinds[found.kind] ??= { count: 0, pssKb: 0, pssAnonKb: 0 });
    total.count += 1;
    total.pssKb += found.pssKb;
    total.pssAnonKb += found.pssAnonKb;
  }
  return kinds;
}

function logField(service: ServiceProcess, message: string, field: string): number {
  const line = service.logs().find((candidate) => candidate.message === message);
  const value = line?.[field];
  if (typeof value !== 'number') throw new Error(`The service logged no "${message}" line with a numeric ${field}`);
  return value;
}

function rssKb(pid: number | undefined, what: string): number {
  const found = pid === undefined ? undefined : processMemory(pid);
  if (!found) throw new Error(`Could not read the memory of the ${what} (pid ${String(pid)}): it is not running`);
  return found.rssKb;
}

function start(sim: WhatsAppSimulator, set: FlagSet, sessionsDir?: string): Promise<ServiceProcess> {
  return startService({
    ...(sessionsDir === undefined ? {} : { sessionsDir }),
    // The flags under test go where SERVER_FLAGS would put them: before the simulator's routing flags.
    env: { WA_DRIVER: 'whatsapp-web.js', CHROME_ARGS: JSON.stringify([...set.args, ...sim.chromeArgs]), LOG_LEVEL: 'info' },
  });
}

// Kills (by pid) any Chromium still running on a profile in `sessionsDir`, which is ours alone; returns how many.
function killLeftovers(sessionsDir: string): number {
  const left = chromiumProcessesFor(sessionsDir);
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return left.length;
}

// Stops the service and checks it exited cleanly and left no Chromium on its profile.
async function stopCleanly(service: ServiceProcess): Promise<void> {
  const code = await service.stop('SIGTERM');
  const left = killLeftovers(service.sessionsDir);
  if (code !== 0) throw new Error(`The service exited with ${String(code)} on SIGTERM, expected 0`);
  if (left > 0) throw new Error(`The service left ${left} Chromium processes running after SIGTERM`);
}

async function loginByQr(service: ServiceProcess, sim: WhatsAppSimulator): Promise<void> {
  await service.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
  const { body } = await request(`${service.url}/qr-code`);
  if (typeof body.qr_code !== 'string') throw new Error(`GET /qr-code answered no QR: ${JSON.stringify(body)}`);
  sim.scan(body.qr_code);
  await service.waitForState('READY', STEP_TIMEOUT_MS);
}

async function sendOne(service: ServiceProcess, sim: WhatsAppSimulator): Promise<number> {
  const before = sim.sentMessages().length;
  const started = performance.now();
  const sent = await postJson(`${service.url}/send`, { cliente_id: 51, to: TO, message: 'memory benchmark' });
  const elapsed = performance.now() - started;
  if (sent.status !== 200) throw new Error(`POST /send answered ${sent.status}: ${JSON.stringify(sent.body)}`);
  const recorded = sim.sentMessages().slice(before);
  if (recorded.length !== 1 || recorded[0]?.id !== sent.body.message_id || recorded[0]?.to !== `${TO}@c.us`) {
    throw new Error(`WhatsApp did not record the send as answered (${JSON.stringify(sent.body)}): ${JSON.stringify(recorded)}`);
  }
  return elapsed;
}

// A second start on the saved profile must come back READY without asking for a QR.
async function checkRestart(sim: WhatsAppSimulator, set: FlagSet, sessionsDir: string): Promise<void> {
  const restarted = await start(sim, set, sessionsDir);
  try {
    await restarted.waitForState('READY', STEP_TIMEOUT_MS);
    const states = restarted.logs().filter((line) => line.message === 'WhatsApp state').map((line) => line.state);
    if (states.includes('QR_REQUIRED')) throw new Error('The restart on the saved profile asked for a QR');
    await stopCleanly(restarted);
  } finally {
    await restarted.cleanup();
    killLeftovers(sessionsDir);
  }
}

async function measureRun(sim: WhatsAppSimulator, set: FlagSet, withRestart: boolean): Promise<RunResult> {
  const started = performance.now();
  const service = await start(sim, set);
  try {
    await loginByQr(service, sim);
    const startToReadyMs = performance.now() - started;
    const browserPid = logField(service, 'Worker launched a browser', 'browser_pid');
    const workerPid = logField(service, 'Worker ready for calls', 'worker_pid');
    await sleep(SETTLE_MS);
    const ready = sample(treeMemory(browserPid));
    const sendMs = await sendOne(service, sim);
    await sleep(1000);
    const afterSend = treeMemory(browserPid);
    const result: RunResult = {
      ready,
      sent: sample(afterSend),
      workerRssKb: rssKb(workerPid, 'worker'),
      supervisorRssKb: rssKb(service.child.pid, 'supervisor'),
      startToReadyMs,
      sendMs,
      kinds: byKind(afterSend),
    };
    await stopCleanly(service);
    if (withRestart) {
      await checkRestart(sim, set, service.sessionsDir).catch((error: unknown) => {
        result.restartProblem = error instanceof Error ? error.message : String(error);
      });
    }
    return result;
  } finally {
    await service.cleanup();
    killLeftovers(service.sessionsDir);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const mb = (kb: number): string => (kb / 1024).toFixed(0);
const signedMb = (kb: number): string => `${kb >= 0 ? '+' : ''}${mb(kb)}`;

interface Column {
  title: string;
  cell(runs: readonly RunResult[]): string;
}

function columns(baseline: readonly RunResult[] | undefined): Column[] {
  const m = (runs: readonly RunResult[], pick: (run: RunResult) => number): number => median(runs.map(pick));
  const versus = (runs: readonly RunResult[], pick: (run: RunResult) => number): string =>
    baseline === undefined ? '-' : signedMb(m(runs, pick) - m(baseline, pick));
  return [
    { title: 'runs', cell: (runs) => String(runs.length) },
    { title: 'procs', cell: (runs) => String(m(runs, (run) => run.sent.processes)) },
    { title: 'PSS@ready', cell: (runs) => mb(m(runs, (run) => run.ready.pssKb)) },
    { title: 'PSS', cell: (runs) => mb(m(runs, (run) => run.sent.pssKb)) },
    { title: 'dPSS', cell: (runs) => versus(runs, (run) => run.sent.pssKb) },
    { title: 'anonPSS', cell: (runs) => mb(m(runs, (run) => run.sent.pssAnonKb)) },
    { title: 'dAnon', cell: (runs) => versus(runs, (run) => run.sent.pssAnonKb) },
    { title: 'RSS', cell: (runs) => mb(m(runs, (run) => run.sent.rssKb)) },
    { title: 'workerRSS', cell: (runs) => mb(m(runs, (run) => run.workerRssKb)) },
    { title: 'supervRSS', cell: (runs) => mb(m(runs, (run) => run.supervisorRssKb)) },
    { title: 'others', cell: (runs) => String(Math.max(...runs.flatMap((run) => [run.ready.others, run.sent.others]))) },
    { title: 'ready s', cell: (runs) => (m(runs, (run) => run.startToReadyMs) / 1000).toFixed(1) },
    { title: 'send ms', cell: (runs) => m(runs, (run) => run.sendMs).toFixed(0) },
  ];
}

function printTable(results: readonly FlagSetResult[]): void {
  const baseline = results.find((result) => result.set.name === 'defaults' && result.runs.length > 0)?.runs;
  const shown = columns(baseline);
  const rows = results.map((result) => [
    result.set.name,
    ...(result.runs.length === 0 ? shown.map(() => '-') : shown.map((column) => column.cell(result.runs))),
    result.problem === undefined ? 'ok' : `FAILED: ${result.problem}`,
  ]);
  const header = ['flag set', ...shown.map((column) => column.title), 'checks'];
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, index) => (index === 0 || index === cells.length - 1 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0)))
      .join('  ')
      .trimEnd();
  console.log(`Chromium memory of one session per flag set, MB, medians. Chromium tree measured ${SETTLE_MS / 1000} s after READY`);
  console.log('(PSS@ready) and 1 s after one POST /send (the rest). anonPSS leaves out file pages, which other Chromiums');
  console.log('on the host (column "others") share; d* are against "defaults". Checks: READY, send recorded, restart READY without QR.');
  console.log(`  ${line(header)}`);
  for (const row of rows) console.log(`  ${line(row)}`);
  console.log('  Chromium processes after the send, by type: count (PSS / anonPSS MB), first run:');
  for (const result of results) {
    const kinds = result.runs[0]?.kinds;
    if (!kinds) continue;
    const described = Object.entries(kinds).map(([kind, total]) => `${kind} ${total.count} (${mb(total.pssKb)}/${mb(total.pssAnonKb)})`);
    console.log(`    ${result.set.name}: ${described.join(', ')}`);
  }
  console.log('');
}

export interface ChromiumMemoryOptions {
  flagSets?: readonly FlagSet[];
  runs?: number;
}

function optionsFromEnv(): ChromiumMemoryOptions {
  const runs = Number(process.env.BENCH_CHROMIUM_RUNS ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_CHROMIUM_RUNS must be a positive integer, got ${process.env.BENCH_CHROMIUM_RUNS}`);
  const names = process.env.BENCH_CHROMIUM_SETS?.split(',').filter((name) => name !== '');
  if (!names) return { runs };
  const unknown = names.filter((name) => !FLAG_SETS.some((set) => set.name === name));
  if (unknown.length > 0) {
    throw new Error(`BENCH_CHROMIUM_SETS names unknown flag sets (${unknown.join(', ')}); known: ${FLAG_SETS.map((set) => set.name).join(', ')}`);
  }
  return { runs, flagSets: FLAG_SETS.filter((set) => names.includes(set.name)) };
}

// Measures every flag set `runs` times, one run at a time (never in parallel: the numbers would mix), and
// checks the restart on each set's first run. A set that breaks the session is reported, not fatal.
export async function benchChromiumMemory(options: ChromiumMemoryOptions = optionsFromEnv()): Promise<FlagSetResult[]> {
  const { flagSets = FLAG_SETS, runs = 3 } = options;
  const sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
  const results: FlagSetResult[] = [];
  try {
    for (const set of flagSets) {
      const result: FlagSetResult = { set, runs: [] };
      results.push(result);
      const knownUnknown = sim.unknownModules().length;
      for (let run = 0; run < runs; run += 1) {
        try {
          const measured = await measureRun(sim, set, run === 0);
          result.runs.push(measured);
          if (measured.restartProblem !== undefined) result.problem = `restart: ${measured.restartProblem}`;
        } catch (error) {
          result.problem = error instanceof Error ? error.message : String(error);
          break;
        }
      }
      const unknownModules = sim.unknownModules().slice(knownUnknown);
      if (unknownModules.length > 0) result.problem ??= `whatsapp-web.js asked for unknown modules: ${unknownModules.join(', ')}`;
    }
  } finally {
    await sim.close();
  }
  printTable(results);
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchChromiumMemory();
}
