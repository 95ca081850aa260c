// Session states (the contract's four values) and the one table of legal moves between them.

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

export function legalTargets(from: SessionState): readonly SessionState[] {
  return TRANSITIONS[from];
}

// The moves that take `from` to `to` while keeping to the table: direct when legal, else through INIT
// (a restart), which every state can reach and which can reach every state.
export function pathTo(from: SessionState, to: SessionState): SessionState[] {
  if (from === to || canTransition(from, to)) return [to];
  return ['INIT', to];
}
