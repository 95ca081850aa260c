// The worker's session over a driver the test drives by hand: which states it reports (once each), which
// calls it lets reach the driver, and how it closes and replaces clients.
import { expect } from 'chai';
import { AppError } from '../../shared/errors.js';
import type { SessionState } from '../../shared/state.js';
import type { DriverListener, WhatsAppDriver } from '../../worker/drivers/driver.js';
import { WorkerSession } from '../../worker/session.js';
import { captureLogger } from '../support/logger.js';
import { rejectionOf } from '../support/promises.js';

interface HandDriver extends WhatsAppDriver {
  emit: DriverListener;
  sends: string[];
  destroyed: boolean;
  // The next send waits for this to resolve.
  hold: Promise<void> | undefined;
}

function handDrivers(options: { failStart?: string } = {}) {
  const drivers: HandDriver[] = [];
  const factory = {
    create(listener: DriverListener): WhatsAppDriver {
      const driver: HandDriver = {
        emit: listener,
        sends: [],
        destroyed: false,
        hold: undefined,
        initialize: async () => {
          if (options.failStart) throw new Error(`${options.failStart}\n    at page stack`);
        },
        sendText: async (to) => {
          await driver.hold;
          driver.sends.push(to);
          return { messageId: `id-${to}` };
        },
        getAccountInfo: async () => ({ phone: '1', platform: 'android', pushname: 'x' }),
        requestPairingCode: async () => 'ABCDEFGH',
        probe: async () => undefined,
        logout: async () => void (driver.destroyed = true),
        destroy: async () => {
          driver.destroyed = true;
          return true;
        },
      };
      drivers.push(driver);
      return driver;
    },
    forgetLogin: async () => undefined,
    loginFiles: { root: '/nonexistent', parts: [] },
  };
  return { drivers, factory };
}

function session(options: { failStart?: string; linkLostTimeoutMs?: number } = {}) {
  const { drivers, factory } = handDrivers(options);
  const reported: [SessionState, string | null][] = [];
  const acks: { messageId: string; to: string; ack: number }[] = [];
  const qrs: string[] = [];
  const startFailures: string[] = [];
  const worker = new WorkerSession({
    createDriver: factory,
    report: (state, reason) => reported.push([state, reason]),
    showQr: (qr) => qrs.push(qr),
    onBrowser: () => undefined,
    onMessage: (ack) => acks.push(ack),
    onStartFailed: (reason) => startFailures.push(reason),
    logger: captureLogger().logger,
    linkLostTimeoutMs: options.linkLostTimeoutMs ?? 60_000,
    reconnectDelayMs: 20,
  });
  return { worker, drivers, reported, acks, qrs, startFailures, driver: (): HandDriver => drivers.at(-1) as HandDriver };
}

const SEND = { to: '5491123456789', message: 'hola' };

describe('worker session', function () {
  it('reports each state it enters once: a rotating QR is shown each time but reported once', async function () {
    const { worker, driver, reported, qrs } = session();
    await worker.start();
    driver().emit({ type: 'qr', qr: '2@a' });
    driver().emit({ type: 'qr', qr: '2@b' });
    driver().emit({ type: 'authenticated' });
    driver().emit({ type: 'ready' });
    expect(reported).to.deep.equal([['QR_REQUIRED', null], ['INIT', null], ['READY', null]]);
    expect(qrs).to.deep.equal(['2@a', '2@b']);
    expect(() => worker.getQr()).to.throw(AppError, 'state: READY');
  });

  it('lets a send reach the driver only while READY, refusing it with SESSION_NOT_READY naming the state', async function () {
    const { worker, driver } = session();
    await worker.start();
    driver().emit({ type: 'qr', qr: '2@a' });
    const refused = await rejectionOf(worker.send(SEND));
    expect(refused).to.include({ code: 'SESSION_NOT_READY', message: 'WhatsApp session is not ready (state: QR_REQUIRED)' });
    expect(driver().sends).to.deep.equal([]);
    driver().emit({ type: 'ready' });
    expect(await worker.send(SEND)).to.deep.equal({ messageId: 'id-5491123456789' });
  });

  it('asks the driver for a pairing code only while QR_REQUIRED, and gives it as ABCD-EFGH', async function () {
    const { worker, driver } = session();
    await worker.start();
    const early = await rejectionOf(worker.requestPairingCode('5491123456789'));
    expect(early).to.include({ code: 'PAIRING_NOT_AVAILABLE' });
    expect((early as Error).message).to.contain('state: INIT');
    driver().emit({ type: 'qr', qr: '2@a' });
    expect(await worker.requestPairingCode('5491123456789')).to.equal('ABCD-EFGH');
    driver().emit({ type: 'ready' });
    expect(await rejectionOf(worker.requestPairingCode('5491123456789'))).to.include({ code: 'PAIRING_NOT_AVAILABLE' });
  });

  it('lets a send in flight finish before a disconnect closes the client, and refuses new ones at once', async function () {
    const { worker, driver } = session();
    await worker.start();
    driver().emit({ type: 'ready' });
    let release: () => void = () => undefined;
    driver().hold = new Promise((resolve) => (release = resolve));
    const inFlight = worker.send(SEND);
    const disconnected = worker.disconnect({ logout: false });
    expect(await rejectionOf(worker.send(SEND))).to.have.property('code', 'SESSION_NOT_READY');
    expect(driver().destroyed).to.equal(false);
    release();
    await inFlight;
    await disconnected;
    expect(driver().destroyed).to.equal(true);
    expect(driver().sends).to.deep.equal(['5491123456789']);
  });

  it('reports a client that cannot start as DISCONNECTED START_FAILED with the first line of the cause', async function () {
    const { worker, reported, startFailures, driver } = session({ failStart: 'No Chromium found' });
    await worker.start();
    expect(reported).to.deep.equal([['DISCONNECTED', 'START_FAILED: No Chromium found']]);
    expect(startFailures).to.deep.equal(['START_FAILED: No Chromium found']);
    expect(driver().destroyed).to.equal(true);
  });

  it('replaces a client WhatsApp dropped with a new one after the delay, and reports the reason', async function () {
    const { worker, drivers, reported } = session();
    await worker.start();
    drivers[0]?.emit({ type: 'ready' });
    drivers[0]?.emit({ type: 'disconnected', reason: 'LOGOUT' });
    expect(drivers[0]?.destroyed).to.equal(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(drivers).to.have.length(2);
    expect(reported).to.deep.equal([['READY', null], ['DISCONNECTED', 'LOGOUT'], ['INIT', null]]);
    await worker.shutdown(0);
  });

  it('is DISCONNECTED CONNECTION_LOST with WhatsApp\'s state while the link is down, refuses sends, and READY again on the same client', async function () {
    const { worker, drivers, reported } = session();
    await worker.start();
    drivers[0]?.emit({ type: 'ready' });
    drivers[0]?.emit({ type: 'change_state', state: 'TIMEOUT' });
    expect(await rejectionOf(worker.send(SEND))).to.include({ code: 'SESSION_NOT_READY', message: 'WhatsApp session is not ready (state: DISCONNECTED)' });
    drivers[0]?.emit({ type: 'change_state', state: 'OPENING' });
    drivers[0]?.emit({ type: 'change_state', state: 'CONNECTED' });
    expect(await worker.send(SEND)).to.deep.equal({ messageId: 'id-5491123456789' });
    expect(reported).to.deep.equal([
      ['READY', null],
      ['DISCONNECTED', 'CONNECTION_LOST: TIMEOUT'],
      ['DISCONNECTED', 'CONNECTION_LOST: OPENING'],
      ['READY', null],
    ]);
    expect(drivers).to.have.length(1);
    expect(drivers[0]?.sends).to.deep.equal(['5491123456789']);
    await worker.shutdown(0);
  });

  it('takes OPENING and PAIRING before the first ready as the start\'s own steps, not a lost link', async function () {
    const { worker, driver, reported } = session();
    await worker.start();
    driver().emit({ type: 'change_state', state: 'OPENING' });
    driver().emit({ type: 'change_state', state: 'PAIRING' });
    driver().emit({ type: 'ready' });
    expect(reported).to.deep.equal([['READY', null]]);
    await worker.shutdown(0);
  });

  it('starts a new client when the link stays lost longer than linkLostTimeoutMs, but not when it came back in time', async function () {
    const { worker, drivers, reported } = session({ linkLostTimeoutMs: 40 });
    await worker.start();
    drivers[0]?.emit({ type: 'ready' });
    drivers[0]?.emit({ type: 'change_state', state: 'TIMEOUT' });
    drivers[0]?.emit({ type: 'change_state', state: 'CONNECTED' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(drivers).to.have.length(1);
    drivers[0]?.emit({ type: 'change_state', state: 'OPENING' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(drivers[0]?.destroyed).to.equal(true);
    expect(drivers).to.have.length(2);
    expect(reported.slice(-2)).to.deep.equal([['DISCONNECTED', 'CONNECTION_LOST: OPENING'], ['INIT', null]]);
    await worker.shutdown(0);
  });

  it('passes on the acks of every client, also of one being replaced', async function () {
    const { worker, drivers, acks } = session();
    await worker.start();
    drivers[0]?.emit({ type: 'ready' });
    drivers[0]?.emit({ type: 'message_ack', messageId: 'm1', to: '5491123456789', ack: 1 });
    drivers[0]?.emit({ type: 'disconnected', reason: 'CONFLICT' });
    drivers[0]?.emit({ type: 'message_ack', messageId: 'm1', to: '5491123456789', ack: 2 });
    expect(acks).to.deep.equal([
      { messageId: 'm1', to: '5491123456789', ack: 1 },
      { messageId: 'm1', to: '5491123456789', ack: 2 },
    ]);
    await worker.shutdown(0);
  });

  it('shuts down: no new client after, and the running one is closed', async function () {
    const { worker, drivers } = session();
    await worker.start();
    await worker.shutdown(0);
    expect(drivers[0]?.destroyed).to.equal(true);
    await worker.connect();
    expect(drivers).to.have.length(1);
  });
});
