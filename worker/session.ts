// The worker's WhatsApp session: owns the current driver, turns driver events into session states
// (the one writer of the worker-side state, which the supervisor publishes), and implements the calls
// the supervisor makes. It reports each state it enters once; the supervisor keeps to the transition
// table and logs the change.
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { describeError } from '../shared/logger.js';
import type { AccountInfo, MessageAck, SendParams, SendResult } from '../shared/protocol.js';
import { assertStateFor, type SessionState } from '../shared/state.js';
import { DISCONNECT_DRAIN_MS } from '../shared/timings.js';
import type { DriverEvent, DriverFactory, WhatsAppDriver } from './drivers/driver.js';
import { InFlight } from './in-flight.js';
import { LinkWatch } from './link-watch.js';
import type { LoginKeeper } from './login/keeper.js';
import { formatPairingCode } from './pairing-code.js';
import { Reconnect } from './reconnect.js';

// Why a session whose WhatsApp Web link went down is DISCONNECTED; WhatsApp's own state follows the colon.
export const CONNECTION_LOST = 'CONNECTION_LOST';

export interface WorkerSessionOptions {
  createDriver: DriverFactory;
  // Tells the supervisor about every state change.
  report: (state: SessionState, reason: string | null) => void;
  // Shows a new QR to the operator (terminal).
  showQr: (qr: string) => void;
  // A browser was launched (its pid goes to the supervisor).
  onBrowser: (pid: number, profile: string) => void;
  // WhatsApp's ack of a message this account sent moved.
  onMessage: (ack: { messageId: string; to: string; ack: MessageAck }) => void;
  // The client could not start (e.g. no Chromium): the worker exits so the supervisor's backoff applies.
  onStartFailed: (reason: string) => void;
  logger: Logger;
  // Copies the saved login and restores it when a QR is offered for a login that worked (none: no copies).
  login?: LoginKeeper;
  // A WhatsApp Web link lost (TIMEOUT, OPENING, PAIRING) for longer than this gets a new client (login kept).
  linkLostTimeoutMs: number;
  // After WhatsApp drops the session (phone unlink, conflict...), a new client starts after this delay,
  // doubling on each failure up to reconnectMaxMs; reset once READY.
  reconnectDelayMs?: number;
  reconnectMaxMs?: number;
}

export class WorkerSession {
  readonly #options: WorkerSessionOptions;
  #driver: WhatsAppDriver | undefined;
  #state: SessionState = 'INIT';
  #reason: string | null = null;
  #qr: string | undefined;
  #everReady = false;
  readonly #inFlight = new InFlight();
  #closing = false;
  readonly #reconnect: Reconnect;
  readonly #link: LinkWatch;
  #loginLoaded: Promise<void> | undefined;
  // The first QR of each client is held while the keeper decides whether to restore the login instead.
  #qrChecked = false;
  #holdQr = false;

  constructor(options: WorkerSessionOptions) {
    this.#options = options;
    this.#reconnect = new Reconnect(options.reconnectDelayMs ?? 1000, options.reconnectMaxMs ?? 60_000);
    this.#link = new LinkWatch({
      lostTimeoutMs: options.linkLostTimeoutMs,
      onLostTooLong: (state, lostForMs) => {
        const fields = { whatsapp_state: state, lost_ms: lostForMs };
        this.#replaceClient('The WhatsApp Web link stayed lost; starting a new client (login kept)', fields, 0);
      },
    });
  }

  // Creates a driver and starts it; failures leave the session DISCONNECTED with the reason.
  async start(): Promise<void> {
    this.#reconnect.cancel();
    if (this.#driver || this.#closing) return;
    this.#setState('INIT', null);
    this.#everReady = false;
    this.#qrChecked = false;
    this.#link.reset();
    await (this.#loginLoaded ??= this.#options.login?.load());
    if (this.#driver || this.#closing) return;
    // Events of a replaced client are dropped, but a browser it launches late must still be known (to kill),
    // and an ack is news whichever client saw it.
    const driver = this.#options.createDriver.create((event) => {
      if (this.#driver === driver || event.type === 'browser' || event.type === 'message_ack') this.#onDriverEvent(event);
    });
    this.#driver = driver;
    try {
      await driver.initialize();
    } catch (error) {
      if (this.#driver !== driver) return;
      this.#options.logger.error('WhatsApp client failed to start', describeError(error));
      this.#driver = undefined;
      await driver.destroy().catch((closeError: unknown) => {
        this.#options.logger.warn('Closing the client that failed to start failed too', describeError(closeError));
      });
      const reason = `START_FAILED: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      this.#setState('DISCONNECTED', reason);
      this.#options.onStartFailed(reason);
    }
  }

  getQr(): { qr: string } {
    assertStateFor('getQr', this.#state);
    if (this.#qr === undefined) throw new AppError('QR_NOT_AVAILABLE', { message: 'No QR code to scan yet' });
    return { qr: this.#qr };
  }

  // The driver says what became of a send that failed (not sent, or outcome unknown).
  send(params: SendParams): Promise<SendResult> {
    return this.#inFlight.track(() => this.#driverFor('send').sendText(params.to, params.message));
  }

  getAccountInfo(): Promise<AccountInfo> {
    return this.#inFlight.track(() => this.#driverFor('getAccountInfo').getAccountInfo());
  }

  // Linking by code instead of QR, while QR_REQUIRED; the link then follows as after a scan.
  requestPairingCode(phone: string): Promise<string> {
    return this.#inFlight.track(async () => formatPairingCode(await this.#driverFor('requestPairingCode').requestPairingCode(phone)));
  }

  // Closes the WhatsApp connection; with logout the device is unlinked and the saved login deleted. New
  // sends are refused at once (DISCONNECTED); sends in flight may finish first, so none is cut off midway.
  async disconnect(options: { logout: boolean }): Promise<void> {
    this.#reconnect.cancel();
    this.#link.reset();
    const driver = this.#driver;
    this.#driver = undefined;
    this.#qr = undefined;
    this.#setState('DISCONNECTED', options.logout ? 'LOGOUT_REQUESTED' : 'DISCONNECT_REQUESTED');
    const wasReady = this.#everReady;
    await this.#inFlight.drain(DISCONNECT_DRAIN_MS);
    if (options.logout) this.#options.login?.onLogout();
    if (driver && options.logout) await driver.logout();
    else if (driver) await this.#close(driver, wasReady);
    else if (options.logout) {
      // No client to unlink with: delete the saved login here; the phone lists the device until removed there.
      this.#options.logger.warn('Logout without a running client: the saved login is deleted, but the phone still lists this device until it is removed there');
      await this.#options.createDriver.forgetLogin();
    }
  }

  // Brings a DISCONNECTED session back; a no-op while a client is running.
  async connect(): Promise<void> {
    if (this.#driver) return;
    await this.start();
  }

  // Answers when the client responds; only a READY client is asked (a starting one is busy loading).
  async probe(): Promise<void> {
    if (this.#state === 'READY' && this.#driver) await this.#driver.probe();
  }

  // Stops taking calls, lets in-flight ones finish for up to graceMs, then closes the driver.
  async shutdown(graceMs: number): Promise<void> {
    this.#closing = true;
    this.#reconnect.cancel();
    this.#link.reset();
    await this.#inFlight.drain(graceMs);
    const driver = this.#driver;
    this.#driver = undefined;
    if (driver) await this.#close(driver, this.#everReady);
    await this.#options.login?.close();
  }

  // Closes a client; one that was READY and closed politely leaves a login worth a copy.
  async #close(driver: WhatsAppDriver, wasReady: boolean): Promise<void> {
    const polite = await driver.destroy();
    await this.#options.login?.onClosed(polite, wasReady);
  }

  // The driver, when the session is in the state `method` needs.
  #driverFor(method: 'send' | 'getAccountInfo' | 'requestPairingCode'): WhatsAppDriver {
    if (this.#closing) throw new AppError('SHUTTING_DOWN', { message: 'The WhatsApp worker is stopping' });
    assertStateFor(method, this.#state);
    // READY and QR_REQUIRED always have a driver: every path that drops it leaves them first.
    return this.#driver as WhatsAppDriver;
  }

  #onDriverEvent(event: DriverEvent): void {
    switch (event.type) {
      case 'browser':
        this.#options.onBrowser(event.pid, event.profile);
        return;
      case 'qr': {
        const fresh = event.qr !== this.#qr;
        this.#qr = event.qr;
        if (this.#holdQr) return;
        if (!this.#qrChecked && this.#options.login) return void this.#beforeFirstQr(this.#options.login);
        if (fresh || this.#state !== 'QR_REQUIRED') this.#options.showQr(event.qr);
        this.#setState('QR_REQUIRED', null);
        return;
      }
      case 'authenticated':
        this.#qr = undefined;
        this.#setState('INIT', null);
        return;
      case 'ready':
        this.#qr = undefined;
        this.#everReady = true;
        this.#reconnect.reset();
        this.#setState('READY', null);
        this.#options.login?.onReady();
        return;
      case 'auth_failure':
        this.#setState('DISCONNECTED', `AUTH_FAILURE: ${event.message}`);
        return;
      case 'change_state':
        this.#onLinkState(event.state);
        return;
      case 'disconnected':
        if (event.reason === 'LOGOUT') this.#options.login?.onLogout();
        this.#qr = undefined;
        this.#link.reset();
        this.#setState('DISCONNECTED', event.reason);
        this.#replaceClient('WhatsApp dropped the session; starting a new client', { reason: event.reason });
        return;
      case 'message_ack':
        this.#options.onMessage({ messageId: event.messageId, to: event.to, ack: event.ack });
        return;
    }
  }

  // The first QR of a client: a login that worked and was never logged out is restored from its newest
  // snapshot and started once more instead; otherwise the QR is offered.
  async #beforeFirstQr(login: LoginKeeper): Promise<void> {
    const driver = this.#driver;
    this.#qrChecked = true;
    this.#holdQr = true;
    const snapshot = await login.snapshotToRestore().catch(() => undefined);
    this.#holdQr = false;
    if (this.#driver !== driver || this.#closing || !driver) return;
    if (snapshot === undefined) {
      if (this.#qr !== undefined) this.#onDriverEvent({ type: 'qr', qr: this.#qr });
      return;
    }
    this.#driver = undefined;
    this.#qr = undefined;
    await login.restoreInsteadOfQr(snapshot, () => driver.destroy());
    await this.start();
  }

  // WhatsApp Web's link, once connected: down (TIMEOUT, OPENING, PAIRING) is DISCONNECTED with the state in
  // the reason, and sends are refused; back (CONNECTED) is READY again, same client. Before the first
  // 'ready' these are the start's own steps. States that end the session also arrive as 'disconnected'.
  #onLinkState(state: string): void {
    if (!this.#everReady) return;
    const change = this.#link.update(state);
    if (change === 'lost' || change === 'still-lost') {
      if (change === 'lost') this.#options.logger.warn('The WhatsApp Web link is lost; waiting for it to come back', { whatsapp_state: state });
      this.#setState('DISCONNECTED', `${CONNECTION_LOST}: ${state}`);
    } else if (change === 'restored' || state === 'CONNECTED') {
      if (change === 'restored') this.#options.logger.info('The WhatsApp Web link is back', { whatsapp_state: state });
      this.#setState('READY', null);
    }
  }

  // Closes the current client and starts a new one after the reconnect delay (doubling on each try, reset
  // once READY): it restores the saved login or, after a phone-side unlink (LOGOUT), offers a fresh QR.
  #replaceClient(message: string, fields: Record<string, unknown>, delayOverrideMs?: number): void {
    if (this.#closing || this.#reconnect.pending) return;
    const driver = this.#driver;
    this.#driver = undefined;
    const closed = (driver ? this.#close(driver, this.#everReady) : undefined)?.catch((error: unknown) => {
      this.#options.logger.warn('Closing the dropped client failed', describeError(error));
    });
    const delayMs = this.#reconnect.schedule(() => void Promise.resolve(closed).then(() => this.start()), delayOverrideMs);
    this.#options.logger.info(message, { ...fields, delay_ms: delayMs });
  }

  // Reports a state once: a rotating QR is not a state change; a new reason while DISCONNECTED is.
  #setState(next: SessionState, reason: string | null): void {
    const why = next === 'DISCONNECTED' ? reason : null;
    if (this.#state === next && this.#reason === why) return;
    this.#state = next;
    this.#reason = why;
    this.#options.report(next, why);
  }
}
