// The one small interface between the worker and a WhatsApp implementation.
// Its events and calls follow whatsapp-web.js's Client (qr, authenticated, ready, auth_failure,
// change_state, disconnected, message_ack; initialize, sendMessage, info, requestPairingCode, logout, destroy) so the real driver is a thin
// adapter. One driver instance is one client lifetime: after destroy() a new one is created.
import type { AccountInfo, MessageAck, SendResult } from '../../shared/protocol.js';
import type { LoginFiles } from '../../shared/session-layout.js';

export type DriverEvent =
  | { type: 'qr'; qr: string }
  | { type: 'authenticated' }
  | { type: 'ready' }
  | { type: 'auth_failure'; message: string }
  // WhatsApp Web's own connection state (CONNECTED, OPENING, TIMEOUT, CONFLICT, UNPAIRED, ...).
  | { type: 'change_state'; state: string }
  | { type: 'disconnected'; reason: string }
  // WhatsApp's ack of a message this account sent moved (whatsapp-web.js's message_ack, fromMe only);
  // `to` is the digits of the chat id.
  | { type: 'message_ack'; messageId: string; to: string; ack: MessageAck }
  // A browser was launched for this client (the supervisor ends its whole tree if the worker dies).
  | { type: 'browser'; pid: number; profile: string };

export type DriverListener = (event: DriverEvent) => void;

export interface WhatsAppDriver {
  // Starts the client; resolves once it is running (the QR or ready arrives as an event).
  initialize(): Promise<void>;
  // `to` is digits only; the driver resolves it to a WhatsApp id and sends a text message. Resolves once
  // WhatsApp's server accepted it (ack >= 1); rejects with what became of it otherwise (see the catalogue).
  sendText(to: string, body: string): Promise<SendResult>;
  getAccountInfo(): Promise<AccountInfo>;
  // While waiting to be linked: WhatsApp's pairing code for the phone `phone` (digits), to enter on that
  // phone instead of scanning the QR (whatsapp-web.js's requestPairingCode). The link then follows as for a scan.
  requestPairingCode(phone: string): Promise<string>;
  // Resolves when the client still responds (e.g. its page runs JavaScript); rejects or hangs otherwise.
  probe(): Promise<void>;
  // Unlinks this device from the phone and deletes the saved login.
  logout(): Promise<void>;
  // Closes the connection and the browser, keeping the saved login. Safe to call more than once. Resolves
  // true when the client closed by itself (its saved login on disk is whole), false when it had to be killed.
  destroy(): Promise<boolean>;
}

export interface DriverFactory {
  create(listener: DriverListener): WhatsAppDriver;
  // Deletes the saved login while no client runs (a logout asked for after a plain disconnect).
  forgetLogin(): Promise<void>;
  // What of the saved login a snapshot must keep.
  readonly loginFiles: LoginFiles;
}
