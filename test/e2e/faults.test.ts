// Faults injected into the real stack (supervisor, worker, whatsapp-web.js, Chromium, the simulator):
// what a user sees is checked each time: the port never refused a connection, no request hung, nothing was
// sent twice or lost without a clear error, and the login came back with no QR.
import { symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { chromiumProcessesFor } from '../support/chromium-processes.js';
import { pollHealth, type HealthPoll } from '../support/health-poller.js';
import { postJson, request } from '../support/http.js';
import { isAlive, startService, type ServiceProcess } from '../support/service-process.js';
import { requireChromium } from '../support/require-chromium.js';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../support/wa-sim/index.js';

const STEP_TIMEOUT_MS = 45_000;
const SEND = { cliente_id: 51, to: '5491122334455', message: 'fault test' };

function latest(service: ServiceProcess, message: string, field: string): number {
  const line = service.logs().filter((entry) => entry.message === message).at(-1);
  if (!line) throw new Error(`No "${message}" log line yet`);
  return Number(line[field]);
}

function qrStatesSince(service: ServiceProcess, mark: number): number {
  return service
    .logs()
    .slice(mark)
    .filter((line) => line.message === 'WhatsApp state' && line.state === 'QR_REQUIRED').length;
}

async function timedMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round(performance.now() - started);
}

describe('faults on the real stack (real Chromium, simulated WhatsApp Web)', function () {
  this.timeout(STEP_TIMEOUT_MS);
  before(() => requireChromium());
  const timings: Record<string, number> = {};

  after(() => {
    console.log(`      recovery timings (ms): ${JSON.stringify(timings)}`);
  });

  describe('with a linked session', function () {
    this.bail(true);
    let sim: WhatsAppSimulator;
    let service: ServiceProcess;
    let sessionsDir: string;
    let health: HealthPoll | undefined;
    let mark = 0;

    function start(): Promise<ServiceProcess> {
      return startService({
        ...(sessionsDir ? { sessionsDir } : {}),
        env: {
          WA_DRIVER: 'whatsapp-web.js',
          CHROME_ARGS: JSON.stringify(sim.chromeArgs),
          SEND_TIMEOUT_MS: '3000',
          HEARTBEAT_INTERVAL_MS: '500',
          HEARTBEAT_TIMEOUT_MS: '1000',
          SHUTDOWN_GRACE_MS: '4000',
        },
      });
    }

    async function expectRecovered(oldBrowser: number): Promise<void> {
      await service.waitForState('READY', STEP_TIMEOUT_MS);
      expect(qrStatesSince(service, mark), 'a QR was asked for').to.equal(0);
      expect(isAlive(oldBrowser), 'the old Chromium is still running').to.equal(false);
      expect(chromiumProcessesFor(sessionsDir).map((process) => process.pid)).to.include(latest(service, 'Worker launched a browser', 'browser_pid'));
      const sent = await postJson(`${service.url}/send`, SEND);
      expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    }

    before(async () => {
      sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
      service = await start();
      sessionsDir = service.sessionsDir;
      await service.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
      sim.scan(String(sim.currentQr()));
      await service.waitForState('READY', STEP_TIMEOUT_MS);
    });

    beforeEach(() => {
      mark = service.logs().length;
      // The previous test may have stopped the service on purpose.
      const running = service.child.exitCode === null && service.child.signalCode === null;
      health = running ? pollHealth(service.url) : undefined;
    });

    afterEach(async () => {
      // A test that stops the service stops its poller itself.
      const polled = await health?.stop();
      health = undefined;
      if (polled) expect(polled.failures, '/health failed').to.deep.equal([]);
      expect(sim.unknownModules()).to.deep.equal([]);
    });

    after(async () => {
      await service?.cleanup();
      await sim?.close();
    });

    it('worker SIGKILL mid-send: the send fails at once as outcome unknown, no Chromium is left, READY again without QR', async () => {
      const worker = latest(service, 'Worker ready for calls', 'worker_pid');
      const browser = latest(service, 'Worker launched a browser', 'browser_pid');
      sim.hangNextSend();
      const pending = postJson(`${service.url}/send`, SEND);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const killedAt = performance.now();
      process.kill(worker, 'SIGKILL');
      const answer = await pending;
      expect(performance.now() - killedAt).to.be.below(1000);
      expect(answer.status).to.equal(502);
      expect(answer.body.code).to.equal('SEND_OUTCOME_UNKNOWN');
      timings.worker_sigkill_to_ready = await timedMs(() => expectRecovered(browser));
    });

    it('Chromium killed mid-send: the send is reported as outcome unknown, and READY again without QR', async () => {
      const browser = latest(service, 'Worker launched a browser', 'browser_pid');
      sim.hangNextSend();
      const pending = postJson(`${service.url}/send`, SEND);
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.kill(browser, 'SIGKILL');
      const answer = await pending;
      expect(answer.status, JSON.stringify(answer.body)).to.equal(502);
      expect(answer.body.code).to.equal('SEND_OUTCOME_UNKNOWN');
      timings.chromium_kill_to_ready = await timedMs(async () => {
        await service.waitForLog((line) => line.message === 'WhatsApp state' && line.reason === 'BROWSER_CLOSED', STEP_TIMEOUT_MS);
        await expectRecovered(browser);
      });
    });

    it('a send that never returns: the caller gets 504 within the timeout and the worker is replaced', async () => {
      const browser = latest(service, 'Worker launched a browser', 'browser_pid');
      const before = sim.sentMessages().length;
      sim.hangNextSend();
      const started = performance.now();
      const answer = await postJson(`${service.url}/send`, SEND);
      expect(performance.now() - started).to.be.below(4500);
      expect(answer.status).to.equal(504);
      expect(answer.body.code).to.equal('WORKER_TIMEOUT');
      expect(answer.body.message).to.contain('may or may not');
      timings.hung_send_to_ready = await timedMs(() => expectRecovered(browser));
      expect(sim.sentMessages()).to.have.length(before + 1);
    });

    it('a worker that stops answering (SIGSTOP) is detected by the heartbeat and replaced', async () => {
      const worker = latest(service, 'Worker ready for calls', 'worker_pid');
      const browser = latest(service, 'Worker launched a browser', 'browser_pid');
      process.kill(worker, 'SIGSTOP');
      timings.hung_worker_to_ready = await timedMs(async () => {
        await service.waitForLog((line) => line.message === 'Replacing the worker' && String(line.why).includes('heartbeat'), STEP_TIMEOUT_MS);
        await expectRecovered(browser);
      });
      expect(isAlive(worker)).to.equal(false);
    });

    it('SIGTERM mid-send: new sends get 503, the one in flight completes, exit 0 in bound, no Chromium left', async () => {
      sim.delayNextSend(1500);
      const inFlight = postJson(`${service.url}/send`, { ...SEND, message: 'in flight at SIGTERM' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stopped = performance.now();
      const exit = service.stop('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const refused = await postJson(`${service.url}/send`, SEND);
      expect(refused.status).to.equal(503);
      expect(refused.body.code).to.equal('SHUTTING_DOWN');
      const completed = await inFlight;
      expect(completed.status, JSON.stringify(completed.body)).to.equal(200);
      expect(sim.sentMessages().at(-1)).to.include({ body: 'in flight at SIGTERM', id: completed.body.message_id });
      await health?.stop();
      health = undefined;
      expect(await exit).to.equal(0);
      timings.sigterm_mid_send_to_exit = Math.round(performance.now() - stopped);
      expect(chromiumProcessesFor(sessionsDir)).to.deep.equal([]);
    });

    it('a stale profile lock left by a crash does not stop the next start, and no QR is needed', async () => {
      symlinkSync(`${os.hostname()}-999999`, path.join(sessionsDir, 'cliente_51', 'session', 'SingletonLock'));
      service = await start();
      mark = 0;
      await service.waitForState('READY', STEP_TIMEOUT_MS);
      expect(qrStatesSince(service, 0)).to.equal(0);
      expect(service.logs().some((line) => line.message === 'Removed a stale Chromium profile lock')).to.equal(true);
      expect(await service.stop('SIGTERM')).to.equal(0);
    });
  });

  describe('a worker that cannot start', function () {
    let service: ServiceProcess;

    after(async () => {
      await service?.cleanup();
    });

    it('backs off, stops retrying with the reason in /status, and retries on POST /connect', async () => {
      service = await startService({
        env: { WA_DRIVER: 'whatsapp-web.js', CHROME_PATH: '/nonexistent/chrome', RESTART_MAX_FAILURES: '2', CRASH_LOOP_RETRY_MS: '0' },
      });
      await service.waitForLog((line) => line.message === 'Worker keeps failing; not restarting it', 20_000);
      const status = await request(`${service.url}/status`);
      expect(status.body.state).to.equal('DISCONNECTED');
      expect(status.body.last_disconnect_reason).to.match(/^CRASH_LOOP: .*CHROME_PATH=\/nonexistent\/chrome/);
      expect(status.body.worker).to.deep.include({ status: 'CRASH_LOOP', restarts: 2 });
      const spawns = service.logs().filter((line) => line.message === 'Worker ready for calls').length;
      expect(spawns).to.equal(3);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(service.logs().filter((line) => line.message === 'Worker ready for calls')).to.have.length(spawns);

      const retried = await request(`${service.url}/connect`, { method: 'POST' });
      expect(retried.status).to.equal(200);
      await service.waitForLog((line) => line.message === 'Worker ready for calls' && service.logs().filter((l) => l.message === 'Worker ready for calls').length > spawns, 10_000);
      expect(await service.stop('SIGTERM')).to.equal(0);
    });
  });

  describe('WhatsApp that never becomes ready', function () {
    let sim: WhatsAppSimulator;
    let service: ServiceProcess;

    after(async () => {
      await service?.cleanup();
      await sim?.close();
    });

    it('is replaced after INIT_TIMEOUT_MS in INIT, with /health answering throughout', async () => {
      sim = await startWhatsAppSimulator({ qrRotateMs: 60_000 });
      const env = { WA_DRIVER: 'whatsapp-web.js', CHROME_ARGS: JSON.stringify(sim.chromeArgs), INIT_TIMEOUT_MS: '3000' };
      service = await startService({ env });
      await service.waitForState('QR_REQUIRED', STEP_TIMEOUT_MS);
      sim.scan(String(sim.currentQr()));
      await service.waitForState('READY', STEP_TIMEOUT_MS);
      expect(await service.stop('SIGTERM')).to.equal(0);

      // The saved login is restored, but WhatsApp's sync (and so 'ready') never finishes.
      sim.setSyncDelay(600_000);
      service = await startService({ env, sessionsDir: service.sessionsDir });
      const health = pollHealth(service.url);
      const started = performance.now();
      await service.waitForLog((line) => line.message === 'Replacing the worker' && String(line.why).includes('INIT'), STEP_TIMEOUT_MS);
      timings.init_stuck_to_replaced = Math.round(performance.now() - started);
      await service.waitForLog((line) => line.message === 'Worker replaced', STEP_TIMEOUT_MS);
      const status = await request(`${service.url}/status`);
      expect(status.body.state).to.equal('INIT');
      expect((await health.stop()).failures).to.deep.equal([]);
      expect(await service.stop('SIGTERM')).to.equal(0);
      expect(chromiumProcessesFor(service.sessionsDir)).to.deep.equal([]);
    });
  });
});
