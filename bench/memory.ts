// Memory per tenant, for npm run bench: the real service (supervisor, its forked worker, whatsapp-web.js in
// Chromium) against the WhatsApp Web simulator, logged in by a QR scan, measured after one send. First one
// tenant alone, then BENCH_MEMORY_TENANTS (3) at once, each on its own sessions folder and port.
// PSS splits a shared page among the processes mapping it: alone, the Chromium and node binaries' pages are
// split among one tenant's processes only, so "alone" is what one tenant costs on an empty host and
// overstates what each of many costs. The footprint (each resident page counted once) shows what an added
// tenant costs: the binaries' pages are paid once per host, the heaps once per tenant.
// Usage: npx tsc -p tsconfig.json && node dist/bench/memory.js (part of npm run bench when Chromium exists).
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { ServiceProcess } from '../test/support/service-process.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../test/support/wa-sim/index.js';
import { resolveChromium } from '../worker/drivers/wwebjs/chromium.js';
import { canMeasureFootprint, footprint } from './support/footprint.js';
import { otherChromiumProcesses } from './support/process-memory.js';
import { formatTable, MIB_PER_24_GIB, mib, tenantsPer24GiB } from './support/table.js';
import { disposeTenant, loginByQr, sendOne, startTenant, stopCleanly, tenantMemory, tenantPids, tenantPssKb, type TenantMemory } from './support/tenant.js';

const SETTLE_MS = 2000;
const FIRST_CLIENTE_ID = 51;

export interface MemoryOptions {
  tenants?: number;
}

export interface MemoryReport {
  alone: TenantMemory;
  together: TenantMemory[];
  // Footprint of all processes of all tenants together, kB (undefined without root).
  togetherFootprintKb?: number;
}

function optionsFromEnv(): MemoryOptions {
  const tenants = Number(process.env.BENCH_MEMORY_TENANTS ?? 3);
  if (!Number.isInteger(tenants) || tenants < 2) throw new Error(`BENCH_MEMORY_TENANTS must be an integer >= 2, got ${process.env.BENCH_MEMORY_TENANTS}`);
  return { tenants };
}

// CHROME_PATH, when set for the bench, is handed to every tenant (the service's env is otherwise clean).
const chromePath = process.env.CHROME_PATH || undefined;

async function startLoggedIn(sim: WhatsAppSimulator, clienteId: number, running: ServiceProcess[]): Promise<ServiceProcess> {
  const service = await startTenant(sim, { clienteId, chromeArgs: [], ...(chromePath === undefined ? {} : { chromePath }) });
  running.push(service);
  await loginByQr(service, sim);
  await sendOne(service, sim, clienteId);
  return service;
}

const sum = (memories: readonly TenantMemory[], pick: (memory: TenantMemory) => number): number =>
  memories.reduce((total, memory) => total + pick(memory), 0);

function row(label: string, memories: readonly TenantMemory[]): string[] {
  const each = (pick: (memory: TenantMemory) => number): number => sum(memories, pick) / memories.length;
  const perTenantKb = each(tenantPssKb);
  return [
    label,
    mib(each((memory) => memory.supervisor.pssKb)),
    mib(each((memory) => memory.worker.pssKb)),
    mib(each((memory) => memory.chromium.pssKb)),
    String(each((memory) => memory.chromium.processes.length)),
    mib(perTenantKb),
    String(tenantsPer24GiB(perTenantKb)),
    mib(each((memory) => memory.supervisor.pssAnonKb + memory.worker.pssAnonKb + memory.chromium.pssAnonKb)),
  ];
}

function printReport(report: MemoryReport, chromium: string, others: number): void {
  const { alone, together } = report;
  const n = together.length;
  console.log(`Memory per tenant: the real service (supervisor + worker + whatsapp-web.js in ${chromium}) against the local`);
  console.log(`WhatsApp Web simulator, logged in, ${SETTLE_MS / 1000} s after a send. PSS in MiB; per tenant = supervisor + worker (each alone) +`);
  console.log('Chromium tree; tenants per 24 GiB counts their PSS only (no OS, no page cache).');
  const header = ['', 'supervisor', 'worker', 'Chromium', 'procs', 'per tenant', 'per 24 GiB', 'of it anon'];
  const rows = [row('per tenant (one alone)', [alone]), row(`each of ${n} at once (total / ${n})`, together)];
  for (const line of formatTable(header, rows)) console.log(line);
  console.log('  "per tenant" is the first line, one tenant alone on the host: its Chromium and node binaries\' pages are');
  console.log(`  split among its own processes only. The second line splits them among ${n} tenants; "anon" (heaps, private`);
  console.log('  data) is what no sharing reduces.');
  const aloneFootprintKb = alone.footprint?.kb;
  if (report.togetherFootprintKb !== undefined && aloneFootprintKb !== undefined) {
    const addedKb = (report.togetherFootprintKb - aloneFootprintKb) / (n - 1);
    const fixedKb = aloneFootprintKb - addedKb;
    const fit = Math.floor((MIB_PER_24_GIB - fixedKb / 1024) / (addedKb / 1024));
    console.log(`  Footprint (each resident page counted once, immune to other programs): alone ${mib(aloneFootprintKb)} MiB, ${n} at once`);
    console.log(`  ${mib(report.togetherFootprintKb)} MiB: each added tenant ${mib(addedKb)} MiB over ${mib(fixedKb)} MiB paid once per host, so 24 GiB holds ~${fit} tenants.`);
  }
  if (others > 0) console.log(`  ${others} Chromium processes of others were running: they share Chromium's file pages and lower the PSS figures.`);
  console.log('');
}

// Runs one tenant alone, then `tenants` at once; prints and returns their memory. Stops every service it
// started (cleanly: a left-over Chromium is an error) before returning.
export async function benchMemory(options: MemoryOptions = optionsFromEnv()): Promise<MemoryReport> {
  const { tenants = 3 } = options;
  const chromium = resolveChromium(chromePath);
  const sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
  const running: ServiceProcess[] = [];
  try {
    const first = await startLoggedIn(sim, FIRST_CLIENTE_ID, running);
    await sleep(SETTLE_MS);
    const alone = tenantMemory(first);
    for (let index = 1; index < tenants; index += 1) await startLoggedIn(sim, FIRST_CLIENTE_ID + index, running);
    await sleep(SETTLE_MS);
    const together = running.map(tenantMemory);
    const pids = running.flatMap((service, index) => [...tenantPids(service), ...(together[index]?.chromium.processes.map((found) => found.pid) ?? [])]);
    const report: MemoryReport = { alone, together, ...(canMeasureFootprint() ? { togetherFootprintKb: footprint(pids).kb } : {}) };
    const others = otherChromiumProcesses(new Set(pids));
    for (const service of running) await stopCleanly(service);
    printReport(report, chromium, others);
    return report;
  } finally {
    for (const service of running) await disposeTenant(service);
    await sim.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMemory();
}
