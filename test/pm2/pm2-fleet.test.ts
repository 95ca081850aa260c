// The real PM2 (a devDependency) running two tenants from one tenants file through ecosystem.config.cjs, on
// the fake driver, in a PM2_HOME of its own: start (online once listening), recycle one tenant's worker
// with `pm2 sendSignal SIGUSR2`, stop (exit 0), kill, and nothing left running.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { request } from '../support/http.js';
import { until } from '../support/promises.js';
import { isAlive } from '../support/service-process.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PM2_BIN = path.join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
const TENANTS = [81, 82] as const;
const COMMAND_TIMEOUT_MS = 30_000;

// A port free right now on 127.0.0.1 (PM2 needs fixed ports: a tenant's port is in its app's env).
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Running, not a zombie: PM2's daemon is detached, so once it exits it waits for init (whatever this machine
// runs as PID 1) to reap it.
function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

interface Status {
  state: string;
  worker: { pid: number | null; restarts: number };
}

async function status(port: number): Promise<Status | undefined> {
  try {
    return (await request(`http://127.0.0.1:${port}/status`)).body as unknown as Status;
  } catch {
    return undefined;
  }
}

async function waitFor(port: number, done: (status: Status) => boolean, timeoutMs = 20_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status(port);
    if (current && done(current)) return current;
    if (Date.now() > deadline) throw new Error(`Tenant on port ${port}: ${JSON.stringify(current)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('PM2 with ecosystem.config.cjs (real pm2)', function () {
  this.timeout(120_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const ports = new Map<number, number>();
  const pids: number[] = [];

  const pm2 = async (...args: string[]): Promise<string> =>
    (await run(process.execPath, [PM2_BIN, ...args], { cwd: ROOT, env, timeout: COMMAND_TIMEOUT_MS })).stdout;

  interface PmProcess {
    name: string;
    pid: number;
    pm2_env: { status: string; exit_code?: number; restart_time: number };
  }
  const list = async (): Promise<PmProcess[]> => JSON.parse(await pm2('jlist')) as PmProcess[];

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sm-pm2-'));
    for (const id of TENANTS) ports.set(id, await freePort());
    const tenantsFile = path.join(dir, 'tenants.json');
    await writeFile(tenantsFile, JSON.stringify(TENANTS.map((id) => ({ id, port: ports.get(id) }))));
    env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      PM2_HOME: path.join(dir, 'pm2'),
      TENANTS_FILE: tenantsFile,
      HOST: '127.0.0.1',
      SESSIONS_DIR: path.join(dir, 'sessions'),
      WA_DRIVER: 'fake',
      FAKE_SCAN_DELAY_MS: '200',
      FAKE_DELIVERY_DELAY_MS: '0',
    };
  });

  after(async function () {
    // Whatever happened above: no daemon and no tenant left behind.
    await pm2('kill').catch(() => undefined);
    for (const pid of pids) if (running(pid)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('starts both tenants, recycles one worker by signal, stops with exit 0 and leaves nothing running', async function () {
    const [a, b] = TENANTS.map((id) => ports.get(id) as number) as [number, number];
    const t0 = performance.now();
    await pm2('start', 'ecosystem.config.cjs');
    const online = performance.now() - t0;
    // wait_ready: `pm2 start` returned once both supervisors listened, so both answer at once.
    expect(await status(a), 'answers as soon as pm2 start returns').not.to.equal(undefined);
    const [readyA, readyB] = await Promise.all([waitFor(a, (s) => s.state === 'READY'), waitFor(b, (s) => s.state === 'READY')]);
    const ready = performance.now() - t0;

    const started = await list();
    expect(started.map((p) => [p.name, p.pm2_env.status])).to.have.deep.members(TENANTS.map((id) => [`session-manager-${id}`, 'online']));
    const supervisorPids = started.map((p) => p.pid);
    pids.push(...supervisorPids, readyA.worker.pid as number, readyB.worker.pid as number);

    const t1 = performance.now();
    await pm2('sendSignal', 'SIGUSR2', `session-manager-${TENANTS[0]}`);
    const recycled = await waitFor(a, (s) => s.state === 'READY' && s.worker.pid !== readyA.worker.pid);
    const recycle = performance.now() - t1;
    pids.push(recycled.worker.pid as number);
    expect(recycled.worker.restarts).to.equal(1);
    expect(running(readyA.worker.pid as number), 'the old worker is gone').to.equal(false);
    const other = await status(b);
    expect(other?.worker).to.deep.include({ pid: readyB.worker.pid, restarts: 0 });
    // Only the worker was replaced: PM2 did not restart either supervisor.
    const afterSignal = await list();
    expect(afterSignal.map((p) => p.pid)).to.deep.equal(supervisorPids);
    expect(afterSignal.every((p) => p.pm2_env.restart_time === 0)).to.equal(true);

    const t2 = performance.now();
    await pm2('stop', 'ecosystem.config.cjs');
    const stop = performance.now() - t2;
    const stopped = await list();
    expect(stopped.map((p) => [p.pm2_env.status, p.pm2_env.exit_code])).to.deep.equal(TENANTS.map(() => ['stopped', 0]));
    for (const pid of pids) expect(running(pid), `pid ${pid} after pm2 stop`).to.equal(false);

    // Under PM2 stdout is a file: the logs are JSON lines, from both processes.
    const out = await readFile(path.join(dir, 'pm2', 'logs', `session-manager-${TENANTS[0]}-out.log`), 'utf8');
    const records = out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { component: string; message: string });
    expect(records.some((r) => r.component === 'supervisor' && r.message === 'SIGUSR2: recycling the worker')).to.equal(true);
    expect(records.some((r) => r.component === 'worker')).to.equal(true);

    const daemonPid = Number(await readFile(path.join(dir, 'pm2', 'pm2.pid'), 'utf8'));
    pids.push(daemonPid);
    await pm2('kill');
    await until(() => !running(daemonPid), 10_000);
    for (const pid of pids) expect(running(pid), `pid ${pid} after pm2 kill`).to.equal(false);

    const ms = (value: number): string => `${Math.round(value)} ms`;
    console.log(`      pm2: start -> online ${ms(online)}, -> both READY ${ms(ready)}; SIGUSR2 -> READY ${ms(recycle)}; stop ${ms(stop)}`);
  });
});
