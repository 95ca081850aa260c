// The worker host over in-memory workers (the real worker code and fake driver, no processes): its
// phases, recovery and the requests that arrive while it replaces a worker.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { loadConfig } from '../../shared/config.js';
import { AppError } from '../../shared/errors.js';
import { forgetLogin } from '../../shared/session-layout.js';
import type { SessionSnapshot } from '../../supervisor/session-state.js';
import type { RestartCause } from '../../supervisor/worker-phase.js';
import { WorkerHost } from '../../supervisor/worker-host.js';
import { captureLogger, type CapturedLogger } from '../support/logger.js';
import { memoryFork, type MemoryFork } from '../support/memory-fork.js';
import { rejectionOf } from '../support/promises.js';
import { driverScript, scriptedDrivers, type DriverScript } from '../support/scripted-driver.js';

const SEND = { to: '5491123456789', message: 'hola' };

describe('worker-host', function () {
  this.timeout(10_000);
  let forks: MemoryFork;
  let host: WorkerHost;
  let script: DriverScript;
  let log: CapturedLogger;
  // What onRestart was told, one cause per worker after the first (the worker_restarts_total metric).
  let causes: RestartCause[];

  async function start(env: Record<string, string> = {}, loggedIn = true): Promise<void> {
    log = captureLogger();
    script = driverScript();
    forks = await memoryFork(scriptedDrivers(script), log.logger);
    if (loggedIn) await writeFile(forks.layout.fakeLogin, JSON.stringify({ phone: '5491100000051', pushname: 'Test' }));
    const config = loadConfig({ CLIENTE_ID: '51', WA_DRIVER: 'fake', SHUTDOWN_GRACE_MS: '500', HEARTBEAT_INTERVAL_MS: '100', HEARTBEAT_TIMEOUT_MS: '100', ...env });
    causes = [];
    host = new WorkerHost({
      config, logger: log.logger, fork: forks.fork, forgetLogin: () => forgetLogin(forks.layout, 'fake'), measureMemoryMb: () => 50,
      onRestart: (cause) => causes.push(cause),
    });
    host.start();
  }

  // Resolves with the first snapshot that matches, now or later.
  function until(match: (snapshot: SessionSnapshot) => boolean, timeoutMs = 5000): Promise<SessionSnapshot> {
    return new Promise((resolve, reject) => {
      const check = (snapshot: SessionSnapshot): boolean => {
        if (!match(snapshot)) return false;
        clearTimeout(timer);
        unsubscribe();
        resolve(snapshot);
        return true;
      };
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`Timed out; last snapshot ${JSON.stringify(host.snapshot())}`));
      }, timeoutMs);
      const unsubscribe = host.subscribe((next) => void check(next));
      check(host.snapshot());
    });
  }

  const ready = (): Promise<SessionSnapshot> => until((s) => s.state === 'READY' && s.worker.status === 'RUNNING');
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const running = (): number => forks.children.filter((child) => child.exitCode === undefined).length;
  const states = (): unknown[] => log.lines().filter((line) => line.message === 'WhatsApp state').map((line) => line.state);

  afterEach(async () => {
    await host?.stop();
    await forks?.close();
  });

  it('starts one worker and publishes its states: INIT, then READY with a saved login, worker RUNNING', async () => {
    await start();
    const snapshot = await ready();
    expect(snapshot.worker).to.deep.include({ status: 'RUNNING', pid: forks.children[0]?.pid, restarts: 0 });
    expect(forks.children).to.have.length(1);
    expect(forks.children[0]?.calls).to.include('start');
    expect(states()).to.deep.equal(['READY']);
    expect(causes).to.deep.equal([]);
  });

  it('logs each state change once and does not report a rotating QR as a change', async () => {
    await start({}, false);
    script.scanDelayMs = 60_000;
    await until((s) => s.state === 'QR_REQUIRED');
    await sleep(100);
    expect(states()).to.deep.equal(['QR_REQUIRED']);
    expect(log.lines().filter((line) => line.component === 'worker' && /state/i.test(String(line.message)))).to.deep.equal([]);
  });

  it('refuses a send while no worker runs as SESSION_NOT_READY naming the state, without asking anyone', async () => {
    await start({ RESTART_MAX_FAILURES: '1' });
    await ready();
    forks.children[0]?.kill('SIGKILL');
    await until((s) => s.worker.status === 'BACKOFF');
    const error = await rejectionOf(host.send(SEND));
    expect(error).to.be.instanceOf(AppError).with.property('code', 'SESSION_NOT_READY');
    expect((error as Error).message).to.contain('state: INIT');
  });

  it('restarts a crashed worker after backoff, then gives up on a crash loop with the reason, until /connect', async () => {
    await start({ RESTART_MAX_FAILURES: '1', CRASH_LOOP_RETRY_MS: '0' });
    await ready();
    forks.children[0]?.kill('SIGKILL');
    await until((s) => s.worker.status === 'BACKOFF' && s.state === 'INIT');
    const back = await ready();
    expect(back.worker.restarts).to.equal(1);
    forks.children[1]?.kill('SIGKILL');
    const gaveUp = await until((s) => s.worker.status === 'CRASH_LOOP');
    expect(gaveUp.state).to.equal('DISCONNECTED');
    expect(gaveUp.lastDisconnectReason).to.match(/^CRASH_LOOP: the worker failed 2 times .*exited \(signal SIGKILL\)/);
    await sleep(1200);
    expect(forks.children).to.have.length(2);
    await host.connect();
    await ready();
    expect(forks.children).to.have.length(3);
    expect(causes).to.deep.equal(['crash', 'manual']);
  });

  it('after a crash loop, tries again every CRASH_LOOP_RETRY_MS by itself, the reason shown until a worker comes up', async () => {
    await start({ RESTART_MAX_FAILURES: '1', CRASH_LOOP_RETRY_MS: '1000' });
    await ready();
    forks.children[0]?.kill('SIGKILL');
    await until((s) => s.worker.status === 'BACKOFF');
    await ready();
    forks.children[1]?.kill('SIGKILL');
    const gaveUp = await until((s) => s.worker.status === 'CRASH_LOOP');
    expect(gaveUp.lastDisconnectReason).to.match(/; trying again every 1 s, or now with SIGUSR2 or POST \/connect once the cause is fixed$/);
    expect(forks.children).to.have.length(2);
    await until((s) => s.worker.status === 'STARTING');
    const healed = await ready();
    expect(forks.children).to.have.length(3);
    expect(healed.lastDisconnectReason).to.match(/^CRASH_LOOP: /);
    expect(log.lines().filter((line) => line.message === 'Crash loop: trying the worker again')).to.have.length(1);
  });

  it('stops the slow retries on a stop, leaving nothing running', async () => {
    await start({ RESTART_MAX_FAILURES: '1', CRASH_LOOP_RETRY_MS: '1000' });
    await ready();
    forks.children[0]?.kill('SIGKILL');
    await until((s) => s.worker.status === 'BACKOFF');
    await ready();
    forks.children[1]?.kill('SIGKILL');
    await until((s) => s.worker.status === 'CRASH_LOOP');
    await host.stop();
    await sleep(1300);
    expect(forks.children).to.have.length(2);
    expect(host.snapshot().worker.status).to.equal('SHUT_DOWN');
  });

  it('recycles: forks the next worker while the old one closes, starts it once the old one is gone, no QR', async () => {
    await start();
    await ready();
    const old = forks.children[0];
    const recycled = host.recycle('SIGUSR2');
    expect(forks.children, 'the next worker is forked at once').to.have.length(2);
    expect(forks.children[1]?.calls).not.to.include('start');
    await old?.exited;
    await recycled;
    await ready();
    expect(old?.calls).to.include('shutdown');
    expect(forks.children[1]?.calls).to.include('start');
    expect(host.snapshot().worker).to.deep.include({ restarts: 1, pid: forks.children[1]?.pid });
    expect(causes).to.deep.equal(['recycle']);
    expect(states()).not.to.include('QR_REQUIRED');
    expect(running()).to.equal(1);
  });

  it('answers a send that never returns with 504 and replaces the worker', async () => {
    await start({ SEND_TIMEOUT_MS: '300' });
    await ready();
    script.hangSends = true;
    const error = await rejectionOf(host.send(SEND));
    expect(error).to.have.property('code', 'WORKER_TIMEOUT');
    script.hangSends = false;
    await until((s) => s.worker.status === 'BACKOFF');
    await ready();
    expect(forks.children).to.have.length(2);
    expect(forks.children[0]?.exitCode).to.not.equal(undefined);
    expect(await host.send(SEND)).to.have.property('messageId').that.matches(/^true_5491123456789@c\.us_/);
    expect(causes).to.deep.equal(['send_timeout']);
  });

  it('kills and replaces a worker that stops answering the heartbeat', async () => {
    await start();
    await ready();
    forks.children[0]?.freeze();
    await until((s) => s.worker.status === 'STOPPING');
    expect(log.lines().some((line) => line.message === 'Replacing the worker' && String(line.why).includes('heartbeats failed'))).to.equal(true);
    await ready();
    expect(forks.children[0]?.exitCode).to.equal(null);
    expect(causes).to.deep.equal(['hung']);
  });

  it('replaces a worker whose session stays in INIT longer than INIT_TIMEOUT_MS', async () => {
    await start({ INIT_TIMEOUT_MS: '1000' });
    script.neverReady = true;
    await until((s) => s.worker.status === 'RUNNING');
    await until((s) => s.worker.status === 'BACKOFF', 3000);
    expect(log.lines().some((line) => line.message === 'Replacing the worker' && String(line.why).includes('INIT'))).to.equal(true);
    await until((s) => s.worker.status === 'RUNNING');
    expect(causes).to.deep.equal(['init_timeout']);
  });

  it('replaces a worker that never says hello after INIT_TIMEOUT_MS', async () => {
    log = captureLogger();
    script = driverScript();
    forks = await memoryFork(scriptedDrivers(script), log.logger);
    forks.stuckNext = true;
    const config = loadConfig({ CLIENTE_ID: '51', WA_DRIVER: 'fake', INIT_TIMEOUT_MS: '1000' });
    host = new WorkerHost({ config, logger: log.logger, fork: forks.fork, forgetLogin: async () => undefined, measureMemoryMb: () => 50 });
    host.start();
    await until((s) => s.worker.status === 'BACKOFF', 3000);
    expect(forks.children[0]?.exitCode).to.not.equal(undefined);
  });

  it('POST /disconnect during a recycle wins: DISCONNECTED, and no worker comes back', async () => {
    await start();
    await ready();
    const recycled = host.recycle('SIGUSR2');
    await host.disconnect({ logout: false });
    const after = host.snapshot();
    expect(after).to.deep.include({ state: 'DISCONNECTED', lastDisconnectReason: 'DISCONNECT_REQUESTED' });
    expect(after.worker.status).to.equal('IDLE');
    await recycled;
    await sleep(300);
    expect(host.snapshot().state).to.equal('DISCONNECTED');
    expect(running()).to.equal(0);
    expect(forks.children.every((child) => !child.calls.includes('start') || child === forks.children[0])).to.equal(true);
  });

  it('POST /connect during that recycle brings the session back, once', async () => {
    await start();
    await ready();
    const recycled = host.recycle('SIGUSR2');
    const disconnected = host.disconnect({ logout: false });
    await host.connect();
    await disconnected;
    await recycled;
    await ready();
    expect(running()).to.equal(1);
    expect(causes).to.have.length(host.snapshot().worker.restarts);
  });

  it('recycles a worker over MEMORY_LIMIT_MB, telling onRestart it was memory', async () => {
    await start({ MEMORY_LIMIT_MB: '10' });
    await ready();
    await until((s) => s.worker.restarts >= 1 && s.worker.status === 'RUNNING');
    expect(causes[0]).to.equal('memory');
  });

  it('a logout while no worker runs deletes the saved login and says LOGOUT_REQUESTED', async () => {
    await start({ RESTART_MAX_FAILURES: '5' });
    await ready();
    forks.children[0]?.kill('SIGKILL');
    await until((s) => s.worker.status === 'BACKOFF');
    await host.disconnect({ logout: true });
    expect(host.snapshot()).to.deep.include({ state: 'DISCONNECTED', lastDisconnectReason: 'LOGOUT_REQUESTED' });
    expect(existsSync(forks.layout.fakeLogin)).to.equal(false);
    await sleep(1200);
    expect(forks.children).to.have.length(1);
  });

  it('stop during a backoff cancels the restart: SHUT_DOWN, nothing forked, calls refused', async () => {
    await start();
    await ready();
    forks.children[0]?.kill('SIGKILL');
    await until((s) => s.worker.status === 'BACKOFF');
    await host.stop();
    expect(host.snapshot().worker.status).to.equal('SHUT_DOWN');
    await sleep(1200);
    expect(forks.children).to.have.length(1);
    expect(await rejectionOf(host.connect())).to.have.property('code', 'SHUTTING_DOWN');
    expect(await rejectionOf(host.send(SEND))).to.have.property('code', 'SHUTTING_DOWN');
  });

  it('stop during a recycle ends both workers and starts nothing', async () => {
    await start();
    await ready();
    const recycled = host.recycle('SIGUSR2');
    await host.stop();
    await recycled;
    expect(host.snapshot().worker.status).to.equal('SHUT_DOWN');
    expect(forks.children).to.have.length(2);
    expect(running()).to.equal(0);
    expect(forks.children[1]?.calls).not.to.include('start');
  });
});
