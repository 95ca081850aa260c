// The simulated WhatsApp (WA_DRIVER=fake): no browser, no phone. It shows a rotating QR, "scans" itself
// after a delay, keeps a saved login on disk like LocalAuth does, and accepts sends, which it appends to
// an outbox file (fake-outbox.jsonl in the session folder) so tests can see what would have gone out.
// Each accepted send is acked like WhatsApp does: 1 (server) at once, 2 (delivered) deliveryDelayMs later;
// a client that becomes ready announces the delivery of the sends of the last minutes again (as WhatsApp
// Web tells a new client what happened meanwhile), so an ack a recycle or a restart cut short still comes.
// A pairing code (linking by number) is derived from the tenant and the number, and "entered" scanDelayMs later.
// Numbers starting with 0 are not real numbers, so they are used as switches for the hub's tests:
// `0000...` is not on WhatsApp, `0500...` makes the send fail, `0422...` is a recipient WhatsApp cannot
// resolve, `0429...` hits WhatsApp's limit on new contacts.
import { hash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { AppError } from '../../shared/errors.js';
import type { AccountInfo, SendResult } from '../../shared/protocol.js';
import { forgetLogin, type SessionLayout } from '../../shared/session-layout.js';
import type { DriverListener, WhatsAppDriver } from './driver.js';

export interface FakeDriverOptions {
  clienteId: number;
  // The tenant's session folder: the fake login and outbox are small files in it.
  layout: SessionLayout;
  scanDelayMs: number;
  qrRotateMs: number;
  // How long after a send its delivery ack (2) comes; 0: none.
  deliveryDelayMs: number;
}

const FAKE_UNREGISTERED_PREFIX = '0000';
const FAKE_FAILING_PREFIX = '0500';
const FAKE_REFUSALS = [
  { prefix: '0422', code: 'RECIPIENT_UNRESOLVABLE', text: 'WhatsApp cannot resolve this recipient (No LID for user)' },
  { prefix: '0429', code: 'NEW_CONTACT_LIMIT', text: 'WhatsApp refused the message: too many messages to new contacts (error 463)' },
] as const;
// Letters and digits as WhatsApp's pairing codes use them.
const PAIRING_ALPHABET = 'ABCDEFGHJKLMNPQRSTVWXYZ123456789';
// A saved login restores quickly, but not synchronously, as a real client would.
const RESTORE_DELAY_MS = 50;
// The sends whose delivery a new client announces again: the last ones, of the last minutes.
const REPLAY_SENDS = 100;
const REPLAY_WINDOW_MS = 10 * 60_000;

interface SavedLogin {
  phone: string;
  pushname: string;
  linkedAt: string;
}

export class FakeDriver implements WhatsAppDriver {
  readonly #options: FakeDriverOptions;
  readonly #emit: DriverListener;
  readonly #timers = new Set<NodeJS.Timeout>();
  #login: SavedLogin | undefined;
  #destroyed = false;

  constructor(options: FakeDriverOptions, listener: DriverListener) {
    this.#options = options;
    this.#emit = listener;
  }

  async initialize(): Promise<void> {
    await mkdir(this.#options.layout.dir, { recursive: true });
    this.#login = await this.#readLogin();
    if (this.#login) {
      this.#later(RESTORE_DELAY_MS, () => this.#becomeReady());
      return;
    }
    this.#showQr();
    this.#later(this.#options.scanDelayMs, () => void this.#scanned());
  }

  // Called only while READY (the worker's session checks), like every call below.
  async sendText(to: string, body: string): Promise<SendResult> {
    if (to.startsWith(FAKE_UNREGISTERED_PREFIX)) {
      throw new AppError('NUMBER_NOT_ON_WHATSAPP', { message: `The number ${to} is not on WhatsApp` });
    }
    if (to.startsWith(FAKE_FAILING_PREFIX)) {
      throw new AppError('SEND_FAILED', { message: `WhatsApp could not send the message: simulated failure for ${to}` });
    }
    const refusal = FAKE_REFUSALS.find(({ prefix }) => to.startsWith(prefix));
    if (refusal) throw new AppError(refusal.code, { message: `${refusal.text}; nothing was sent (simulated for ${to})` });
    const messageId = `true_${to}@c.us_3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
    const record = { at: new Date().toISOString(), to, message_id: messageId, body };
    await appendFile(this.#options.layout.fakeOutbox, `${JSON.stringify(record)}\n`);
    this.#later(0, () => this.#emit({ type: 'message_ack', messageId, to, ack: 1 }));
    const { deliveryDelayMs } = this.#options;
    if (deliveryDelayMs > 0) this.#later(deliveryDelayMs, () => this.#emit({ type: 'message_ack', messageId, to, ack: 2 }));
    return { messageId };
  }

  async getAccountInfo(): Promise<AccountInfo> {
    const login = this.#login as SavedLogin;
    return { phone: login.phone, platform: 'android', pushname: login.pushname };
  }

  // Called only while waiting to be linked. The code is derived from the tenant and the number (the hub's
  // tests can predict it); the phone "enters" it scanDelayMs later, and the login is that phone's.
  async requestPairingCode(phone: string): Promise<string> {
    this.#clearTimers();
    this.#later(this.#options.scanDelayMs, () => void this.#scanned(phone));
    const digest = hash('sha256', `fake-pairing:${this.#options.clienteId}:${phone}`, 'buffer');
    return [...digest.subarray(0, 8)].map((byte) => PAIRING_ALPHABET[byte % PAIRING_ALPHABET.length]).join('');
  }

  async probe(): Promise<void> {
    // Nothing to hang: the simulated session lives in this process.
  }

  async logout(): Promise<void> {
    await this.destroy();
    await forgetLogin(this.#options.layout, 'fake');
    this.#login = undefined;
  }

  async destroy(): Promise<boolean> {
    this.#destroyed = true;
    this.#clearTimers();
    return true;
  }

  #clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #later(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#destroyed) action();
    }, delayMs);
    this.#timers.add(timer);
  }

  // Like WhatsApp Web, a new QR every qrRotateMs until scanned.
  #showQr(): void {
    const part = (bytes: number): string => randomBytes(bytes).toString('base64');
    this.#emit({ type: 'qr', qr: `2@${part(48)},${part(32)},${part(32)},${part(32)},1` });
    this.#later(this.#options.qrRotateMs, () => this.#showQr());
  }

  // The phone linked this device: by the QR (the tenant's made-up number) or by a code for `phone`.
  async #scanned(phone?: string): Promise<void> {
    this.#clearTimers();
    const login: SavedLogin = {
      phone: phone ?? `54911${String(this.#options.clienteId).padStart(8, '0')}`.slice(-13),
      pushname: `LeadMaster fake ${this.#options.clienteId}`,
      linkedAt: new Date().toISOString(),
    };
    await writeFile(this.#options.layout.fakeLogin, JSON.stringify(login));
    if (this.#destroyed) return;
    this.#login = login;
    this.#emit({ type: 'authenticated' });
    this.#becomeReady();
  }

  #becomeReady(): void {
    this.#emit({ type: 'ready' });
    void this.#replayDeliveries();
  }

  async #replayDeliveries(): Promise<void> {
    const { deliveryDelayMs, layout } = this.#options;
    if (deliveryDelayMs === 0) return;
    let text: string;
    try {
      text = await readFile(layout.fakeOutbox, 'utf8');
    } catch {
      return;
    }
    const now = Date.now();
    for (const line of text.split('\n').filter((part) => part !== '').slice(-REPLAY_SENDS)) {
      let sent: { at?: unknown; to?: unknown; message_id?: unknown };
      try {
        sent = JSON.parse(line) as typeof sent;
      } catch {
        continue;
      }
      if (typeof sent.at !== 'string' || typeof sent.to !== 'string' || typeof sent.message_id !== 'string') continue;
      const deliveredAt = Date.parse(sent.at) + deliveryDelayMs;
      if (now - deliveredAt > REPLAY_WINDOW_MS) continue;
      const { to, message_id: messageId } = sent;
      this.#later(Math.max(0, deliveredAt - now), () => this.#emit({ type: 'message_ack', messageId, to, ack: 2 }));
    }
  }

  async #readLogin(): Promise<SavedLogin | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.#options.layout.fakeLogin, 'utf8')) as Partial<SavedLogin>;
      if (typeof parsed.phone === 'string' && typeof parsed.pushname === 'string') return parsed as SavedLogin;
      return undefined;
    } catch {
      return undefined;
    }
  }
}
