// One tenant of the real service for the memory benchmarks: the compiled supervisor, its forked worker and
// whatsapp-web.js in Chromium, against the WhatsApp Web simulator; logged in by a QR scan, then one send
// the simulator must record. Also the check that a set of flags keeps the saved login across a restart.
import { postJson } from '../../test/support/http.js';
import { startService, type ServiceProcess } from '../../test/support/service-process.js';
import type { WhatsAppSimulator } from '../../test/support/wa-sim/index.js';
import { canMeasureFootprint, footprint, type Footprint } from './footprint.js';
import { processMemory, treeMemory, type ProcessMemory, type TreeMemory } from './process-memory.js';
import { killLeftoverChromium, loginByQr, STEP_TIMEOUT_MS, stopCleanly } from './wwebjs-service.js';

// The same login and clean stop as the recycle benchmark's.
export { loginByQr, stopCleanly };

export interface TenantOptions {
  clienteId: number;
  // Appended to the service's own Chromium flags through CHROME_ARGS.
  chromeArgs: readonly string[];
  // NODE_OPTIONS for the supervisor, which its forked worker inherits.
  nodeOptions?: string;
  // CHROME_PATH, when not the service's own choice.
  chromePath?: string;
  // Reuse a sessions folder (a restart that should find the saved login).
  sessionsDir?: string;
}

// PSS of each part of one tenant: the supervisor alone, the worker alone, the Chromium tree.
export interface TenantMemory {
  supervisor: ProcessMemory;
  worker: ProcessMemory;
  chromium: TreeMemory;
  // Each resident page counted once (see footprint.ts): immune to other programs on the host. Only as root.
  chromiumFootprint?: Footprint;
  footprint?: Footprint;
}

const TO = '5491122334455';

export function startTenant(sim: WhatsAppSimulator, options: TenantOptions): Promise<ServiceProcess> {
  return startService({
    ...(options.sessionsDir === undefined ? {} : { sessionsDir: options.sessionsDir }),
    env: {
      CLIENTE_ID: String(options.clienteId),
      WA_DRIVER: 'whatsapp-web.js',
      // The flags under test go before the simulator's routing flags.
      CHROME_ARGS: JSON.stringify([...options.chromeArgs, ...sim.chromeArgs]),
      LOG_LEVEL: 'info',
      ...(options.nodeOptions === undefined ? {} : { NODE_OPTIONS: options.nodeOptions }),
      ...(options.chromePath === undefined ? {} : { CHROME_PATH: options.chromePath }),
    },
  });
}


// One POST /send that the simulator must record as the message answered; resolves with its duration.
export async function sendOne(service: ServiceProcess, sim: WhatsAppSimulator, clienteId: number): Promise<number> {
  const before = sim.sentMessages().length;
  const started = performance.now();
  const sent = await postJson(`${service.url}/send`, { cliente_id: clienteId, to: TO, message: 'memory benchmark' });
  const elapsed = performance.now() - started;
  if (sent.status !== 200) throw new Error(`POST /send answered ${sent.status}: ${JSON.stringify(sent.body)}`);
  const recorded = sim.sentMessages().slice(before);
  if (recorded.length !== 1 || recorded[0]?.id !== sent.body.message_id || recorded[0]?.to !== `${TO}@c.us`) {
    throw new Error(`WhatsApp did not record the send as answered (${JSON.stringify(sent.body)}): ${JSON.stringify(recorded)}`);
  }
  return elapsed;
}

function lastLogNumber(service: ServiceProcess, message: string, field: string): number {
  const value = service.logs().findLast((line) => line.message === message)?.[field];
  if (typeof value !== 'number') throw new Error(`The service logged no "${message}" line with a numeric ${field}`);
  return value;
}

function required(found: ProcessMemory | undefined, what: string, pid: number | undefined): ProcessMemory {
  if (!found) throw new Error(`Could not read the memory of the ${what} (pid ${String(pid)}): it is not running`);
  return found;
}

let readable: boolean | undefined;
function footprintReadable(): boolean {
  readable ??= canMeasureFootprint();
  return readable;
}

// The supervisor and worker pids of a tenant, from the supervisor's log of the last launch.
export function tenantPids(service: ServiceProcess): number[] {
  const supervisorPid = service.child.pid;
  if (supervisorPid === undefined) throw new Error('The supervisor has no pid: it did not start');
  return [supervisorPid, lastLogNumber(service, 'Worker launched a browser', 'worker_pid')];
}

// The tenant's memory now. The worker and browser pids come from the supervisor's log of the last launch.
export function tenantMemory(service: ServiceProcess): TenantMemory {
  const workerPid = lastLogNumber(service, 'Worker launched a browser', 'worker_pid');
  const browserPid = lastLogNumber(service, 'Worker launched a browser', 'browser_pid');
  const supervisorPid = service.child.pid;
  const chromium = treeMemory(browserPid);
  if (chromium.processes.length === 0) throw new Error(`The browser (pid ${browserPid}) is not running`);
  const chromiumPids = chromium.processes.map((found) => found.pid);
  return {
    supervisor: required(supervisorPid === undefined ? undefined : processMemory(supervisorPid), 'supervisor', supervisorPid),
    worker: required(processMemory(workerPid), 'worker', workerPid),
    chromium,
    ...(footprintReadable() ? { chromiumFootprint: footprint(chromiumPids), footprint: footprint([...tenantPids(service), ...chromiumPids]) } : {}),
  };
}

// PSS of one tenant: supervisor + worker + Chromium tree.
export function tenantPssKb(memory: TenantMemory): number {
  return memory.supervisor.pssKb + memory.worker.pssKb + memory.chromium.pssKb;
}

// Stops the service however it is, removes its temporary folder, and ends any Chromium it left.
export async function disposeTenant(service: ServiceProcess): Promise<void> {
  await service.cleanup();
  killLeftoverChromium(service.sessionsDir);
}

// A second start on the saved profile (of a stopped tenant) must come back READY without asking for a QR.
export async function checkRestart(sim: WhatsAppSimulator, options: TenantOptions, sessionsDir: string): Promise<void> {
  const restarted = await startTenant(sim, { ...options, sessionsDir });
  try {
    await restarted.waitForState('READY', STEP_TIMEOUT_MS);
    const states = restarted.logs().filter((line) => line.message === 'WhatsApp state').map((line) => line.state);
    if (states.includes('QR_REQUIRED')) throw new Error('The restart on the saved profile asked for a QR');
    await sendOne(restarted, sim, options.clienteId);
    await stopCleanly(restarted);
  } finally {
    await disposeTenant(restarted);
  }
}
