// The worker's WhatsApp session: owns the current driver, turns driver events into session states
// (the one writer of the worker-side state, which the supervisor publishes), and implements the calls
// the supervisor makes. It reports each state it enters once; the supervisor keeps to the transition
// table and logs the change.
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { describeError } from '../shared/logger.js';
import type { AccountInfo, SendParams, SendResult } from '../shared/protocol.js';
import { assertStateFor, type SessionState } from '../shared/state.js';
import { DISCONNECT_DRAIN_MS } from '../shared/timings.js';
import type { DriverEvent, DriverFactory, WhatsAppDriver } from './drivers/driver.js';

export interface WorkerSessionOptions {
  createDriver: DriverFactory;
  // Tells the supervisor about every state change.
  report: (state: SessionState, reason: string | null) => void;
  // Shows a new QR to the operator (terminal).
  showQr: (qr: string) => void;
  // A browser was launched (its pid goes to the supervisor).
  onBrowser: (pid: number, profile: string) => void;
  // The client could not start (e.g. no Chromium): the worker exits so the supervisor's backoff applies.
  onStartFailed: (reason: string) => void;
  logger: Logger;
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
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnects = 0;

  constructor(options: WorkerSessionOptions) {
    this.#options = options;
  }

  // Creates a driver and starts it; failures leave the session DISCONNECTED with the reason.
  async start(): Promise<void> {
    this.#cancelReconnect();
    if (this.#driver || this.#closing) return;
    this.#setState('INIT', null);
    this.#everReady = false;
    // Events of a replaced client are dropped, but a browser it launches late must still be known (to kill).
    const driver = this.#options.createDriver.create((event) => {
      if (this.#driver === driver || event.type === 'browser') this.#onDriverEvent(event);
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
    return this.#track(() => this.#readyDriver('send').sendText(params.to, params.message));
  }

  getAccountInfo(): Promise<AccountInfo> {
    return this.#track(() => this.#readyDriver('getAccountInfo').getAccountInfo());
  }

  // Closes the WhatsApp connection; with logout the device is unlinked and the saved login deleted. New
  // sends are refused at once (DISCONNECTED); sends in flight may finish first, so none is cut off midway.
  async disconnect(options: { logout: boolean }): Promise<void> {
    this.#cancelReconnect();
    const driver = this.#driver;
    this.#driver = undefined;
    this.#qr = undefined;
    this.#setState('DISCONNECTED', options.logout ? 'LOGOUT_REQUESTED' : 'DISCONNECT_REQUESTED');
    await this.#drain(DISCONNECT_DRAIN_MS);
    if (driver && options.logout) await driver.logout();
    else if (driver) await driver.destroy();
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
    this.#cancelReconnect();
    await this.#drain(graceMs);
    const driver = this.#driver;
    this.#driver = undefined;
    await driver?.destroy();
  }

  #readyDriver(method: 'send' | 'getAccountInfo'): WhatsAppDriver {
    if (this.#closing) throw new AppError('SHUTTING_DOWN', { message: 'The WhatsApp worker is stopping' });
    assertStateFor(method, this.#state);
    // READY always has a driver: every path that drops it leaves READY first.
    return this.#driver as WhatsAppDriver;
  }

  #track<T>(work: () => Promise<T>): Promise<T> {
    // A check that throws becomes a rejection, like the driver's own failures.
    const promise = new Promise<T>((resolve) => resolve(work()));
    this.#inFlight.add(promise);
    const forget = (): void => void this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  async #drain(graceMs: number): Promise<void> {
    if (this.#inFlight.size === 0 || graceMs === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    try {
      await Promise.race([Promise.allSettled([...this.#inFlight]), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #onDriverEvent(event: DriverEvent): void {
    switch (event.type) {
      case 'browser':
        this.#options.onBrowser(event.pid, event.profile);
        return;
      case 'qr':
        if (event.qr !== this.#qr) {
          this.#qr = event.qr;
          this.#options.showQr(event.qr);
        }
        this.#setState('QR_REQUIRED', null);
        return;
      case 'authenticated':
        this.#qr = undefined;
        this.#setState('INIT', null);
        return;
      case 'ready':
        this.#qr = undefined;
        this.#everReady = true;
        this.#reconnects = 0;
        this.#setState('READY', null);
        return;
      case 'auth_failure':
        this.#setState('DISCONNECTED', `AUTH_FAILURE: ${event.message}`);
        return;
      case 'change_state':
        // Back after a drop. States that end the session arrive as 'disconnected' (whatsapp-web.js sends both).
        if (event.state === 'CONNECTED' && this.#everReady) this.#setState('READY', null);
        return;
      case 'disconnected':
        this.#qr = undefined;
        this.#setState('DISCONNECTED', event.reason);
        this.#scheduleReconnect(event.reason);
        return;
    }
  }

  // WhatsApp dropped the session without being asked to: close that client and start a new one, which
  // restores the saved login or, after a phone-side unlink (LOGOUT), offers a fresh QR.
  #scheduleReconnect(reason: string): void {
    if (this.#closing || this.#reconnectTimer) return;
    const base = this.#options.reconnectDelayMs ?? 1000;
    const delayMs = Math.min(base * 2 ** this.#reconnects, this.#options.reconnectMaxMs ?? 60_000);
    this.#reconnects += 1;
    this.#options.logger.info('WhatsApp dropped the session; starting a new client', { reason, delay_ms: delayMs });
    const driver = this.#driver;
    this.#driver = undefined;
    const closed = driver?.destroy().catch((error: unknown) => {
      this.#options.logger.warn('Closing the dropped client failed', describeError(error));
    });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void Promise.resolve(closed).then(() => this.start());
    }, delayMs);
  }

  #cancelReconnect(): void {
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
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
