// Session states (the contract's four values) and the one table of legal moves between them.
import { AppError, type ErrorCode } from './errors.js';

export const SESSION_STATES = ['INIT', 'QR_REQUIRED', 'READY', 'DISCONNECTED'] as const;

export type SessionState = (typeof SESSION_STATES)[number];

// A state may always stay where it is only when listed here (a new QR while QR_REQUIRED is a real change).
const TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = Object.freeze({
  INIT: Object.freeze(['QR_REQUIRED', 'READY', 'DISCONNECTED'] as const),
  QR_REQUIRED: Object.freeze(['QR_REQUIRED', 'INIT', 'READY', 'DISCONNECTED'] as const),
  READY: Object.freeze(['INIT', 'DISCONNECTED'] as const),
  DISCONNECTED: Object.freeze(['INIT', 'READY'] as const),
});

export function isSessionState(value: unknown): value is SessionState {
  return typeof value === 'string' && (SESSION_STATES as readonly string[]).includes(value);
}

export function canTransition(from: SessionState, to: SessionState): boolean {
  return TRANSITIONS[from].includes(to);
}

// The moves that take `from` to `to` while keeping to the table: direct when legal, else through INIT
// (a restart), which every state can reach and which can reach every state.
export function pathTo(from: SessionState, to: SessionState): SessionState[] {
  if (from === to || canTransition(from, to)) return [to];
  return ['INIT', to];
}

// The calls that need the session in one state, and the error that refuses them elsewhere. The worker's
// session checks this against its own state (the only READY check on the way to the driver); the
// supervisor uses it only to refuse from memory when no worker runs.
const NEEDS = {
  send: { state: 'READY', code: 'SESSION_NOT_READY', text: 'WhatsApp session is not ready' },
  getAccountInfo: { state: 'READY', code: 'SESSION_NOT_READY', text: 'WhatsApp session is not ready' },
  getQr: { state: 'QR_REQUIRED', code: 'QR_NOT_AVAILABLE', text: 'No QR code to scan' },
  requestPairingCode: { state: 'QR_REQUIRED', code: 'PAIRING_NOT_AVAILABLE', text: 'A pairing code is only for a session waiting to be linked' },
} as const satisfies Record<string, { state: SessionState; code: ErrorCode; text: string }>;

export type StatefulCall = keyof typeof NEEDS;

export function isStatefulCall(method: string): method is StatefulCall {
  return Object.hasOwn(NEEDS, method);
}

// The refusal of `method` in state `current`; its message names the state.
export function notInStateError(method: StatefulCall, current: SessionState): AppError {
  const need = NEEDS[method];
  return new AppError(need.code, { message: `${need.text} (state: ${current})` });
}

// Throws the refusal unless `current` is the state `method` needs.
export function assertStateFor(method: StatefulCall, current: SessionState): void {
  if (current !== NEEDS[method].state) throw notInStateError(method, current);
}
