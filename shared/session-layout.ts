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
  // Copies of the saved login (worker/login/), newest last by name, and what the worker knows of the login:
  // that it was READY since the last logout, and the last restore.
  readonly loginSnapshots: string;
  readonly loginRecord: string;
  // Held by the running service of this tenant (and by `npm run session` while it works).
  readonly lockFile: string;
}

// What of a driver's saved login a snapshot keeps: `parts` below `root`. For whatsapp-web.js, the parts of
// the Chromium profile WhatsApp Web keeps its keys in (the ones whatsapp-web.js's own RemoteAuth backs up);
// caches, history and the rest of the profile are rebuilt by Chromium.
export interface LoginFiles {
  readonly root: string;
  readonly parts: readonly string[];
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
    loginSnapshots: path.join(dir, 'login-snapshots'),
    loginRecord: path.join(dir, 'login-record.json'),
    lockFile: path.join(dir, 'service.lock'),
  });
}

// The saved login of a driver: what a logout deletes.
function loginPath(layout: SessionLayout, driver: WaDriver): string {
  return driver === 'fake' ? layout.fakeLogin : layout.profile;
}

export function loginFiles(layout: SessionLayout, driver: WaDriver): LoginFiles {
  return driver === 'fake'
    ? { root: layout.dir, parts: [path.basename(layout.fakeLogin)] }
    : { root: layout.profile, parts: ['Default/IndexedDB', 'Default/Local Storage'] };
}

// Deletes a driver's saved login (no client may be running on it), with its snapshots and record: a logout
// is the one thing after which no copy of the login may come back.
export async function forgetLogin(layout: SessionLayout, driver: WaDriver): Promise<void> {
  const gone = { recursive: true, force: true, maxRetries: 4 };
  await rm(layout.loginRecord, gone);
  await rm(layout.loginSnapshots, gone);
  await rm(loginPath(layout, driver), gone);
}
