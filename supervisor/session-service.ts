// What the HTTP layer needs from the session: a snapshot from memory, and the calls it forwards.
// The worker host implements it; HTTP tests use a stand-in.
import type { AccountInfo, SendParams, SendResult } from '../shared/protocol.js';
import type { SessionSnapshot } from './session-state.js';

export interface SessionService {
  snapshot(): SessionSnapshot;
  getQr(): Promise<{ qr: string }>;
  send(params: SendParams): Promise<SendResult>;
  getAccountInfo(): Promise<AccountInfo>;
  disconnect(options: { logout: boolean }): Promise<void>;
  connect(): Promise<void>;
}
