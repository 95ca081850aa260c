// Every message that crosses the supervisor <-> worker IPC channel, in one place.
// Messages are plain JSON; every incoming message is validated before use.
import { isErrorCode, type SerializedError } from './errors.js';
import { isRecord } from './guards.js';
import { isSessionState, type SessionState } from './state.js';

export interface AccountInfo {
  phone: string;
  platform: string;
  pushname: string;
}

export interface SendParams {
  // Digits only, already normalised by the HTTP layer.
  to: string;
  message: string;
}

export interface SendResult {
  messageId: string;
}

// The calls the supervisor makes to the worker: name -> params and result.
export type WorkerMethods = {
  getQr: { params: null; result: { qr: string } };
  // Links by code instead of QR: WhatsApp's code for the phone `phone` (digits) enters in Linked devices.
  requestPairingCode: { params: { phone: string }; result: { code: string } };
  send: { params: SendParams; result: SendResult };
  getAccountInfo: { params: null; result: AccountInfo };
  disconnect: { params: { logout: boolean }; result: null };
  connect: { params: null; result: null };
  // Starts the WhatsApp client (the supervisor asks once the profile is free: a new worker may be forked
  // while the old one still closes its browser). Answers at once; the states follow as events.
  start: { params: null; result: null };
  // Answers when the worker's event loop runs and, when READY, its WhatsApp page responds.
  ping: { params: null; result: { uptimeMs: number } };
  // Stops taking calls, lets in-flight ones finish for up to graceMs, closes the browser, exits.
  shutdown: { params: { graceMs: number }; result: null };
};

export type MethodMap = Record<string, { params: unknown; result: unknown }>;

export interface RequestMessage {
  type: 'sm:request';
  id: number;
  method: string;
  params: unknown;
}

export type ResponseMessage =
  | { type: 'sm:response'; id: number; ok: true; result: unknown }
  | { type: 'sm:response'; id: number; ok: false; error: SerializedError };

// What the worker tells the supervisor without being asked.
export type WorkerEvent =
  // The worker's IPC is up and its modules are loaded; its client starts on the 'start' call.
  | { kind: 'hello'; pid: number }
  // The session moved; `reason` explains DISCONNECTED (e.g. LOGOUT, NAVIGATION, MANUAL).
  | { kind: 'state'; state: SessionState; reason: string | null }
  // A browser was launched: the supervisor keeps the pid to end the whole tree if the worker dies.
  | { kind: 'browser'; pid: number; profile: string }
  // WhatsApp's ack of a message this account sent moved (whatsapp-web.js's message_ack; see MessageAck).
  | { kind: 'message'; messageId: string; to: string; ack: MessageAck }
  // The saved login was restored from a snapshot (now, or by an earlier run: told at start).
  | { kind: 'restore'; at: string; snapshot: string };

// whatsapp-web.js's MessageAck: -1 error, 0 pending (in the page only), 1 server, 2 device, 3 read, 4 played.
export const MESSAGE_ACKS = [-1, 0, 1, 2, 3, 4] as const;
export type MessageAck = (typeof MESSAGE_ACKS)[number];

export function isMessageAck(value: unknown): value is MessageAck {
  return MESSAGE_ACKS.includes(value as MessageAck);
}

export interface EventMessage {
  type: 'sm:event';
  event: WorkerEvent;
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

export function parseRequest(message: unknown): RequestMessage | undefined {
  if (!isRecord(message) || message.type !== 'sm:request') return undefined;
  if (!isId(message.id) || typeof message.method !== 'string') return undefined;
  return { type: 'sm:request', id: message.id, method: message.method, params: message.params ?? null };
}

export function parseResponse(message: unknown): ResponseMessage | undefined {
  if (!isRecord(message) || message.type !== 'sm:response' || !isId(message.id)) return undefined;
  if (message.ok === true) return { type: 'sm:response', id: message.id, ok: true, result: message.result ?? null };
  const error = message.error;
  if (message.ok !== false || !isRecord(error)) return undefined;
  if (!isErrorCode(error.code) || typeof error.message !== 'string') return undefined;
  return { type: 'sm:response', id: message.id, ok: false, error: { code: error.code, message: error.message } };
}

export function parseEvent(message: unknown): WorkerEvent | undefined {
  if (!isRecord(message) || message.type !== 'sm:event' || !isRecord(message.event)) return undefined;
  const event = message.event;
  switch (event.kind) {
    case 'hello':
      return isId(event.pid) ? { kind: 'hello', pid: event.pid } : undefined;
    case 'browser':
      return isId(event.pid) && typeof event.profile === 'string' && event.profile !== ''
        ? { kind: 'browser', pid: event.pid, profile: event.profile }
        : undefined;
    case 'state':
      if (!isSessionState(event.state)) return undefined;
      if (event.reason !== null && typeof event.reason !== 'string') return undefined;
      return { kind: 'state', state: event.state, reason: event.reason };
    case 'message':
      if (typeof event.messageId !== 'string' || event.messageId === '' || typeof event.to !== 'string') return undefined;
      return isMessageAck(event.ack) ? { kind: 'message', messageId: event.messageId, to: event.to, ack: event.ack } : undefined;
    case 'restore':
      return typeof event.at === 'string' && typeof event.snapshot === 'string' ? { kind: 'restore', at: event.at, snapshot: event.snapshot } : undefined;
    default:
      return undefined;
  }
}

export function eventMessage(event: WorkerEvent): EventMessage {
  return { type: 'sm:event', event };
}
