// Where each piece of a tenant's state lives on disk, in one place: both processes, both drivers and the
// tests read the folder layout from here.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config, WaDriver } from './config.js';

export interface SessionLayout {
  // <SESSIONS_DIR>/cliente_<id>: everything this tenant keeps.
  readonly dir: string;
  // The Chromium profile with the saved login. LocalAuth (no clientId) puts it in <dataPath>/session.
  readonly profile: string;
  // WhatsApp Web's page as cached by whatsapp-web.js (webVersionCache 'local').
  readonly webCache: string;
  // Remembered Idempotency-Keys (the supervisor's).
  readonly idempotencyFile: string;
  // What became of each message sent through /send (acks), the supervisor's.
  readonly messageStatusFile: string;
  // Webhook events not delivered yet (and markers of those that were), the supervisor's.
  readonly webhookOutbox: string;
  // The fake driver's saved login and what it "sent".
  readonly fakeLogin: string;
  readonly fakeOutbox: string;
}

export function sessionLayout(config: Pick<Config, 'sessionsDir' | 'clienteId'>): SessionLayout {
  const dir = path.join(config.sessionsDir, `cliente_${config.clienteId}`);
  return Object.freeze({
    dir,
    profile: path.join(dir, 'session'),
    webCache: path.join(dir, 'wwebjs-cache'),
    idempotencyFile: path.join(dir, 'idempotency.jsonl'),
    messageStatusFile: path.join(dir, 'message-status.jsonl'),
    webhookOutbox: path.join(dir, 'webhook-outbox.jsonl'),
    fakeLogin: path.join(dir, 'fake-login.json'),
    fakeOutbox: path.join(dir, 'fake-outbox.jsonl'),
  });
}

// The saved login of a driver: what a logout deletes.
function loginPath(layout: SessionLayout, driver: WaDriver): string {
  return driver === 'fake' ? layout.fakeLogin : layout.profile;
}

// Deletes a driver's saved login (no client may be running on it).
export async function forgetLogin(layout: SessionLayout, driver: WaDriver): Promise<void> {
  await rm(loginPath(layout, driver), { recursive: true, force: true, maxRetries: 4 });
}
