// Stands in for the worker host in HTTP tests: a real state store, calls recorded, answers scripted. It
// checks no state: the refusals that depend on it come from the real worker (test/supervisor/http/app-session.test.ts).
import type { AccountInfo, SendParams } from '../../shared/protocol.js';
import type { SessionState } from '../../shared/state.js';
import type { SendOptions, SendOutcome, SendService } from '../../supervisor/sender.js';
import type { SessionService } from '../../supervisor/session-service.js';
import { SessionStateStore, type SessionSnapshot } from '../../supervisor/session-state.js';

export type Call =
  | { name: 'getQr' }
  | { name: 'requestPairingCode'; phone: string }
  | { name: 'send'; params: SendParams; idempotencyKey?: string | undefined }
  | { name: 'getAccountInfo' }
  | { name: 'disconnect'; logout: boolean }
  | { name: 'connect' };

export class SessionStandIn implements SessionService, SendService {
  readonly store = new SessionStateStore();
  readonly calls: Call[] = [];
  qr = '2@stand-in-qr';
  account: AccountInfo = { phone: '5491100000051', platform: 'android', pushname: 'Stand-in' };
  // When set, the next forwarded call fails with it.
  failWith: Error | undefined;
  #sent = 0;

  setState(state: SessionState, reason: string | null = null): void {
    this.store.setState(state, reason);
  }

  snapshot(): SessionSnapshot {
    return this.store.snapshot;
  }

  async getQr(): Promise<{ qr: string }> {
    this.#forward({ name: 'getQr' });
    return { qr: this.qr };
  }

  async requestPairingCode(phone: string): Promise<{ code: string }> {
    this.#forward({ name: 'requestPairingCode', phone });
    return { code: 'STAN-DIN1' };
  }

  async send(params: SendParams, options: SendOptions = {}): Promise<SendOutcome> {
    const call: Call = options.idempotencyKey === undefined ? { name: 'send', params } : { name: 'send', params, idempotencyKey: options.idempotencyKey };
    this.#forward(call);
    this.#sent += 1;
    return { messageId: `true_${params.to}@c.us_STANDIN${this.#sent}`, replayed: false };
  }

  async getAccountInfo(): Promise<AccountInfo> {
    this.#forward({ name: 'getAccountInfo' });
    return this.account;
  }

  async disconnect(options: { logout: boolean }): Promise<void> {
    this.#forward({ name: 'disconnect', logout: options.logout });
    this.setState('DISCONNECTED', 'DISCONNECT_REQUESTED');
  }

  async connect(): Promise<void> {
    this.#forward({ name: 'connect' });
    this.setState('INIT');
  }

  #forward(call: Call): void {
    this.calls.push(call);
    const failure = this.failWith;
    this.failWith = undefined;
    if (failure) throw failure;
  }
}
