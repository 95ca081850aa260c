// The real driver: whatsapp-web.js's Client with LocalAuth in the tenant's session folder, in Chromium.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import wwebjs from 'whatsapp-web.js';
import { sessionDir, type Config } from '../../shared/config.js';
import { AppError } from '../../shared/errors.js';
import { describeError, type Logger } from '../../shared/logger.js';
import type { AccountInfo, SendResult } from '../../shared/protocol.js';
import { chromiumArgs, resolveChromium } from '../chromium.js';
import type { DriverListener, WhatsAppDriver } from './driver.js';

const { Client, LocalAuth } = wwebjs;

// How long whatsapp-web.js waits for WhatsApp Web's page to load its modules.
const AUTH_TIMEOUT_MS = 60_000;

// Everything whatsapp-web.js writes lives in the tenant's folder: the Chromium profile (LocalAuth puts it in
// <dir>/session) and the cached WhatsApp Web page (never fetched from a remote cache).
export function wwebjsPaths(config: Pick<Config, 'sessionsDir' | 'clienteId'>): { dataPath: string; profile: string; webCache: string } {
  const dataPath = sessionDir(config);
  return { dataPath, profile: path.join(dataPath, 'session'), webCache: path.join(dataPath, 'wwebjs-cache') };
}

export function createWwebjsDriver(config: Config, logger: Logger, listener: DriverListener): WhatsAppDriver {
  return new WwebjsDriver(config, logger, listener);
}

class WwebjsDriver implements WhatsAppDriver {
  readonly #config: Config;
  readonly #logger: Logger;
  readonly #emit: DriverListener;
  #client: wwebjs.Client | undefined;
  #destroyed: Promise<void> | undefined;
  // Set when the device was unlinked: the saved login must not survive this client.
  #loggedOut = false;

  constructor(config: Config, logger: Logger, listener: DriverListener) {
    this.#config = config;
    this.#logger = logger;
    this.#emit = listener;
  }

  async initialize(): Promise<void> {
    const executablePath = resolveChromium(this.#config.chromePath);
    const paths = wwebjsPaths(this.#config);
    const client = new Client({
      authStrategy: new LocalAuth({ dataPath: paths.dataPath }),
      webVersionCache: { type: 'local', path: paths.webCache },
      authTimeoutMs: AUTH_TIMEOUT_MS,
      puppeteer: { executablePath, headless: true, args: chromiumArgs(this.#config.chromeArgs) },
    });
    this.#client = client;
    client.on('qr', (qr: string) => this.#emit({ type: 'qr', qr }));
    client.on('authenticated', () => this.#emit({ type: 'authenticated' }));
    client.on('ready', () => this.#emit({ type: 'ready' }));
    client.on('auth_failure', (message: unknown) => this.#emit({ type: 'auth_failure', message: String(message) }));
    client.on('change_state', (state: unknown) => this.#emit({ type: 'change_state', state: String(state) }));
    client.on('disconnected', (reason: unknown) => {
      if (reason === 'LOGOUT') this.#loggedOut = true;
      this.#emit({ type: 'disconnected', reason: String(reason) });
    });
    this.#logger.info('Starting whatsapp-web.js', { chromium: executablePath, profile: paths.profile });
    try {
      await client.initialize();
    } catch (error) {
      // whatsapp-web.js throws strings ('auth timeout'); give the caller an Error.
      throw error instanceof Error ? error : new Error(`whatsapp-web.js failed to start: ${String(error)}`);
    }
  }

  async sendText(to: string, body: string): Promise<SendResult> {
    const client = this.#requireClient();
    // getNumberId asks WhatsApp for the account's real id; it handles Brazil's and Argentina's extra
    // mobile digit, so the message goes to the id it returns, never to a guessed "<digits>@c.us".
    const numberId = await client.getNumberId(to);
    if (!numberId) {
      throw new AppError('NUMBER_NOT_ON_WHATSAPP', { message: `The number ${to} is not on WhatsApp; nothing was sent` });
    }
    const message = await client.sendMessage(numberId._serialized, body);
    return { messageId: message.id._serialized };
  }

  async getAccountInfo(): Promise<AccountInfo> {
    const info = this.#requireClient().info;
    if (!info) throw new AppError('SESSION_NOT_READY', { message: 'WhatsApp has not reported the account yet' });
    return { phone: info.wid.user, platform: info.platform, pushname: info.pushname };
  }

  async logout(): Promise<void> {
    this.#loggedOut = true;
    const client = this.#client;
    try {
      await client?.logout();
    } catch (error) {
      this.#logger.warn('whatsapp-web.js logout failed; deleting the saved login anyway', describeError(error));
    }
    await this.destroy();
  }

  destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      const client = this.#client;
      if (client) {
        client.removeAllListeners();
        await client.destroy();
      }
      // whatsapp-web.js deletes the profile itself after a logout, but without waiting; finish it here so
      // the next client cannot start on a half-deleted profile.
      if (this.#loggedOut) await rm(wwebjsPaths(this.#config).profile, { recursive: true, force: true, maxRetries: 4 });
    })();
    return this.#destroyed;
  }

  #requireClient(): wwebjs.Client {
    if (!this.#client) throw new AppError('SESSION_NOT_READY', { message: 'The WhatsApp client is not running' });
    return this.#client;
  }
}
