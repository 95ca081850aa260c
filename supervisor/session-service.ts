// What the HTTP layer needs from the session: a snapshot from memory, and the calls it forwards
// (sends go through the Sender: idempotency and queue first).
// The worker host implements it; HTTP tests use a stand-in.
import type { AccountInfo } from '../shared/protocol.js';
import type { SessionSnapshot } from './session-state.js';

export interface SessionService {
  snapshot(): SessionSnapshot;
  getQr(): Promise<{ qr: string }>;
  // `phone` is digits only, already normalised by the HTTP layer.
  requestPairingCode(phone: string): Promise<{ code: string }>;
  getAccountInfo(): Promise<AccountInfo>;
  disconnect(options: { logout: boolean }): Promise<void>;
  connect(): Promise<void>;
}
