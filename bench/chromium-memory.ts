// The long memory sweep: one tenant of the real service (supervisor + worker + whatsapp-web.js in Chromium)
// against the WhatsApp Web simulator, per variant (extra Chromium flags, NODE_OPTIONS), `runs` times each,
// one tenant at a time. Each variant must also keep the session working: READY, a send WhatsApp records,
// and a restart on the same profile that is READY without a QR and sends again.
// Usage: npx tsc -p tsconfig.json && node dist/bench/chromium-memory.js, or BENCH_CHROMIUM=1 npm run bench
//   (BENCH_CHROMIUM_RUNS=3; BENCH_CHROMIUM_SETS=defaults,no-zygote picks variants by name).
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../test/support/wa-sim/index.js';
import { VARIANTS, type Variant } from './memory-variants.js';
import { otherChromiumProcesses, type TreeMemory } from './support/process-memory.js';
import { formatTable, median, mib, signedMib } from './support/table.js';
import {
  checkRestart,
  disposeTenant,
  loginByQr,
  sendOne,
  startTenant,
  stopCleanly,
  tenantMemory,
  tenantPssKb,
  type TenantOptions,
} from './support/tenant.js';

const SETTLE_MS = 3000;
const CLIENTE_ID = 51;

interface RunResult {
  chromiumAtReadyKb: number;
  processes: number;
  chromiumKb: number;
  chromiumAnonKb: number;
  workerKb: number;
  supervisorKb: number;
  tenantKb: number;
  chromiumFootprintKb: number;
  footprintKb: number;
  // Chromium processes of others on the host (they lower our PSS of shared files).
  others: number;
  startToReadyMs: number;
  sendMs: number;
  // Process count and PSS by Chromium process type, after the send.
  kinds: Record<string, { count: number; pssKb: number; pssAnonKb: number }>;
  // Why the restart on the saved profile failed, when it was checked and did.
  restartProblem?: string;
}

export interface VariantResult {
  variant: Variant;
  runs: RunResult[];
  // Why the variant failed (a run or the restart check), if it did.
  problem?: string;
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

function tenantOptions(variant: Variant): TenantOptions {
  return {
    clienteId: CLIENTE_ID,
    chromeArgs: variant.chromeArgs,
    ...(variant.nodeOptions === undefined ? {} : { nodeOptions: variant.nodeOptions }),
    ...(variant.chromePath === undefined ? {} : { chromePath: variant.chromePath }),
  };
}

async function measureRun(sim: WhatsAppSimulator, variant: Variant, withRestart: boolean): Promise<RunResult> {
  const started = performance.now();
  const options = tenantOptions(variant);
  const service = await startTenant(sim, options);
  try {
    await loginByQr(service, sim);
    const startToReadyMs = performance.now() - started;
    await sleep(SETTLE_MS);
    const chromiumAtReadyKb = tenantMemory(service).chromium.pssKb;
    const sendMs = await sendOne(service, sim, CLIENTE_ID);
    await sleep(1000);
    const memory = tenantMemory(service);
    const ours = new Set([...memory.chromium.processes.map((found) => found.pid)]);
    const result: RunResult = {
      chromiumAtReadyKb,
      processes: memory.chromium.processes.length,
      chromiumKb: memory.chromium.pssKb,
      chromiumAnonKb: memory.chromium.pssAnonKb,
      workerKb: memory.worker.pssKb,
      supervisorKb: memory.supervisor.pssKb,
      tenantKb: tenantPssKb(memory),
      chromiumFootprintKb: memory.chromiumFootprint?.kb ?? Number.NaN,
      footprintKb: memory.footprint?.kb ?? Number.NaN,
      others: otherChromiumProcesses(ours),
      startToReadyMs,
      sendMs,
      kinds: byKind(memory.chromium),
    };
    await stopCleanly(service);
    if (withRestart) {
      await checkRestart(sim, options, service.sessionsDir).catch((error: unknown) => {
        result.restartProblem = error instanceof Error ? error.message : String(error);
      });
    }
    return result;
  } finally {
    await disposeTenant(service);
  }
}

interface Column {
  title: string;
  cell(runs: readonly RunResult[]): string;
}

function columns(baseline: readonly RunResult[] | undefined): Column[] {
  const m = (runs: readonly RunResult[], pick: (run: RunResult) => number): number => median(runs.map(pick));
  const value = (title: string, pick: (run: RunResult) => number): Column => ({ title, cell: (runs) => mib(m(runs, pick)) });
  const versus = (title: string, pick: (run: RunResult) => number): Column => ({
    title,
    cell: (runs) => (baseline === undefined ? '-' : signedMib(m(runs, pick) - m(baseline, pick))),
  });
  return [
    { title: 'runs', cell: (runs) => String(runs.length) },
    { title: 'procs', cell: (runs) => String(m(runs, (run) => run.processes)) },
    value('Chr@ready', (run) => run.chromiumAtReadyKb),
    value('Chromium', (run) => run.chromiumKb),
    versus('dChr', (run) => run.chromiumKb),
    value('anon', (run) => run.chromiumAnonKb),
    versus('dAnon', (run) => run.chromiumAnonKb),
    value('worker', (run) => run.workerKb),
    versus('dW', (run) => run.workerKb),
    value('superv', (run) => run.supervisorKb),
    versus('dS', (run) => run.supervisorKb),
    value('tenant', (run) => run.tenantKb),
    versus('dT', (run) => run.tenantKb),
    value('ChrFp', (run) => run.chromiumFootprintKb),
    versus('dChrFp', (run) => run.chromiumFootprintKb),
    value('tenantFp', (run) => run.footprintKb),
    versus('dFp', (run) => run.footprintKb),
    { title: 'others', cell: (runs) => String(Math.max(...runs.map((run) => run.others))) },
    { title: 'ready s', cell: (runs) => (m(runs, (run) => run.startToReadyMs) / 1000).toFixed(1) },
    { title: 'send ms', cell: (runs) => m(runs, (run) => run.sendMs).toFixed(0) },
  ];
}

function printTable(results: readonly VariantResult[]): void {
  const baseline = results.find((result) => result.variant.name === 'defaults' && result.runs.length > 0)?.runs;
  const shown = columns(baseline);
  const rows = results.map((result) => [
    result.variant.name,
    ...(result.runs.length === 0 ? shown.map(() => '-') : shown.map((column) => column.cell(result.runs))),
    result.problem === undefined ? 'ok' : `FAILED: ${result.problem}`,
  ]);
  console.log('Memory of one tenant alone per variant, PSS in MiB, medians; measured 1 s after one POST /send (Chr@ready: the');
  console.log(`Chromium tree ${SETTLE_MS / 1000} s after READY). anon leaves out file pages, which other Chromiums on the host ("others")`);
  console.log('share; worker and superv are each process alone; tenant = Chromium + worker + superv; d* against "defaults".');
  console.log('*Fp: footprint, each resident page of the tenant counted once (immune to other programs mapping the same files).');
  console.log('Checks: READY, send recorded, restart on the saved profile READY without a QR, send again.');
  for (const line of formatTable(['variant', ...shown.map((column) => column.title), 'checks'], rows)) console.log(line);
  console.log('  Chromium processes after the send, by type: count (PSS / anon MiB), first run:');
  for (const result of results) {
    const kinds = result.runs[0]?.kinds;
    if (!kinds) continue;
    const described = Object.entries(kinds).map(([kind, total]) => `${kind} ${total.count} (${mib(total.pssKb)}/${mib(total.pssAnonKb)})`);
    console.log(`    ${result.variant.name}: ${described.join(', ')}`);
  }
  console.log('');
}

export interface ChromiumMemoryOptions {
  variants?: readonly Variant[];
  runs?: number;
}

function optionsFromEnv(): ChromiumMemoryOptions {
  const runs = Number(process.env.BENCH_CHROMIUM_RUNS ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_CHROMIUM_RUNS must be a positive integer, got ${process.env.BENCH_CHROMIUM_RUNS}`);
  const names = process.env.BENCH_CHROMIUM_SETS?.split(',').filter((name) => name !== '');
  if (!names) return { runs };
  const unknown = names.filter((name) => !VARIANTS.some((variant) => variant.name === name));
  if (unknown.length > 0) {
    throw new Error(`BENCH_CHROMIUM_SETS names unknown variants (${unknown.join(', ')}); known: ${VARIANTS.map((variant) => variant.name).join(', ')}`);
  }
  return { runs, variants: names.map((name) => VARIANTS.find((variant) => variant.name === name) as Variant) };
}

// Measures every variant `runs` times, one run at a time (never in parallel: the numbers would mix), and
// checks the restart on each variant's first run. A variant that breaks the session is reported, not fatal.
export async function benchChromiumMemory(options: ChromiumMemoryOptions = optionsFromEnv()): Promise<VariantResult[]> {
  const { variants = VARIANTS, runs = 3 } = options;
  const sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
  const results: VariantResult[] = [];
  try {
    for (const variant of variants) {
      const result: VariantResult = { variant, runs: [] };
      results.push(result);
      const knownUnknown = sim.unknownModules().length;
      for (let run = 0; run < runs; run += 1) {
        try {
          const measured = await measureRun(sim, variant, run === 0);
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
