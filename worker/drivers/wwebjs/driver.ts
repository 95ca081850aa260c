// The real driver: whatsapp-web.js's Client with LocalAuth in the tenant's session folder, in Chromium.
import { createRequire } from 'node:module';
import type wwebjs from 'whatsapp-web.js';
import type { Config } from '../../../shared/config.js';
import { AppError } from '../../../shared/errors.js';
import { describeError, type Logger } from '../../../shared/logger.js';
import { isAlive, killBrowserTree } from '../../../shared/process-tree.js';
import type { AccountInfo, SendResult } from '../../../shared/protocol.js';
import { forgetLogin, sessionLayout, type SessionLayout } from '../../../shared/session-layout.js';
import { BROWSER_CLOSE_TIMEOUT_MS, BROWSER_KILL_GRACE_MS } from '../../../shared/timings.js';
import type { DriverListener, WhatsAppDriver } from '../driver.js';
import { AckTracker } from './acks.js';
import { chromiumArgs, resolveChromium } from './chromium.js';
import { releaseProfile } from './profile-lock.js';
import { failedSend, sendError } from './send-errors.js';

// The two pieces used, loaded on their own: the package's index also loads RemoteAuth with archiver, unzipper
// and fs-extra (~115 ms of every worker start, and their memory, measured), which LocalAuth never needs.
const load = createRequire(import.meta.url);
const Client = load('whatsapp-web.js/src/Client.js') as typeof wwebjs.Client;
const LocalAuth = load('whatsapp-web.js/src/authStrategies/LocalAuth.js') as typeof wwebjs.LocalAuth;

// How long whatsapp-web.js waits for WhatsApp Web's page to load its modules.
const AUTH_TIMEOUT_MS = 60_000;
const PROBE_TIMEOUT_MS = 5000;

export function createWwebjsDriver(config: Config, logger: Logger, listener: DriverListener): WhatsAppDriver {
  return new WwebjsDriver(config, logger, listener);
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

class WwebjsDriver implements WhatsAppDriver {
  readonly #config: Config;
  readonly #logger: Logger;
  readonly #emit: DriverListener;
  // Everything whatsapp-web.js writes lives in the tenant's folder: the Chromium profile and the cached
  // WhatsApp Web page (never fetched from a remote cache).
  readonly #paths: SessionLayout;
  #client: wwebjs.Client | undefined;
  #initializing: Promise<void> | undefined;
  #browserPid: number | undefined;
  #destroyed: Promise<boolean> | undefined;
  // Set when the device was unlinked: the saved login must not survive this client.
  #loggedOut = false;
  readonly #acks: AckTracker;

  constructor(config: Config, logger: Logger, listener: DriverListener) {
    this.#config = config;
    this.#logger = logger;
    this.#emit = listener;
    this.#paths = sessionLayout(config);
    this.#acks = new AckTracker((ack) => this.#emit({ type: 'message_ack', ...ack }));
  }

  initialize(): Promise<void> {
    this.#initializing ??= this.#initialize();
    return this.#initializing;
  }

  async #initialize(): Promise<void> {
    const executablePath = resolveChromium(this.#config.chromePath);
    await releaseProfile(this.#paths.profile, this.#logger);
    // LocalAuth's hook runs right after the browser and page exist, before WhatsApp Web loads: the earliest
    // point to learn the browser's pid and to watch it for crashes.
    const authStrategy = new LocalAuth({ dataPath: this.#paths.dir });
    const afterBrowserInitialized = authStrategy.afterBrowserInitialized.bind(authStrategy);
    authStrategy.afterBrowserInitialized = async () => {
      await afterBrowserInitialized();
      this.#watchBrowser();
    };
    const client = new Client({
      authStrategy,
      webVersionCache: { type: 'local', path: this.#paths.webCache },
      authTimeoutMs: AUTH_TIMEOUT_MS,
      puppeteer: { executablePath, headless: true, args: chromiumArgs(this.#config.chromeArgs) },
    });
    this.#client = client;
    client.on('qr', (qr: string) => this.#emit({ type: 'qr', qr }));
    client.on('authenticated', () => this.#emit({ type: 'authenticated' }));
    client.on('ready', () => this.#emit({ type: 'ready' }));
    client.on('auth_failure', (message: unknown) => this.#emit({ type: 'auth_failure', message: String(message) }));
    // Not the code itself: whoever has it can link a phone to this session.
    client.on('code', () => this.#logger.info('WhatsApp issued a pairing code (a new one every 3 min until linked: ask POST /pairing-code again)'));
    client.on('change_state', (state: unknown) => this.#emit({ type: 'change_state', state: String(state) }));
    client.on('message_ack', (message: wwebjs.Message, ack: unknown) => {
      this.#acks.onAck(message.id._serialized, message.to, message.fromMe, ack);
    });
    client.on('disconnected', (reason: unknown) => {
      if (reason === 'LOGOUT') this.#loggedOut = true;
      this.#emit({ type: 'disconnected', reason: String(reason) });
    });
    this.#logger.info('Starting whatsapp-web.js', { chromium: executablePath, profile: this.#paths.profile });
    try {
      await client.initialize();
    } catch (error) {
      // whatsapp-web.js throws strings ('auth timeout'); give the caller an Error.
      throw error instanceof Error ? error : new Error(`whatsapp-web.js failed to start: ${String(error)}`);
    }
  }

  #watchBrowser(): void {
    const client = this.#client;
    const browser = client?.pupBrowser;
    const pid = browser?.process()?.pid;
    if (!client || !browser || pid === undefined) return;
    this.#browserPid = pid;
    this.#emit({ type: 'browser', pid, profile: this.#paths.profile });
    const lost = (reason: string) => (): void => {
      if (this.#destroyed) return;
      this.#logger.error('Chromium went away', { reason, browser_pid: pid });
      this.#emit({ type: 'disconnected', reason });
    };
    browser.once('disconnected', lost('BROWSER_CLOSED'));
    client.pupPage?.once('error', lost('PAGE_CRASHED'));
    client.pupPage?.once('close', lost('PAGE_CLOSED'));
  }

  async sendText(to: string, body: string): Promise<SendResult> {
    const client = this.#requireClient();
    // getNumberId asks WhatsApp for the account's real id; it handles Brazil's and Argentina's extra
    // mobile digit, so the message goes to the id it returns, never to a guessed "<digits>@c.us".
    const numberId = await client.getNumberId(to).catch((error: unknown) => {
      throw this.#failed(sendError(error, false));
    });
    if (!numberId) {
      throw new AppError('NUMBER_NOT_ON_WHATSAPP', { message: `The number ${to} is not on WhatsApp; nothing was sent` });
    }
    try {
      // waitUntilMsgSent: the page waits for WhatsApp's send result, not only for the message to be added to
      // the chat (a refusal then rejects here, with its reason). The server's ack (>= 1) settles it.
      const message = await client.sendMessage(numberId._serialized, body, { waitUntilMsgSent: true });
      if (!message) throw new AppError('SEND_FAILED', { message: 'WhatsApp Web did not keep the message; it was not sent' });
      const messageId = message.id._serialized;
      const refused = failedSend(message.ack, message.rawData);
      if (refused) throw refused;
      const ack = await this.#acks.settled(messageId, message.ack, this.#config.sendTimeoutMs);
      if (ack === -1) throw failedSend(ack, null) as AppError;
      return { messageId };
    } catch (error) {
      throw this.#failed(sendError(error, true));
    }
  }

  // Logs why WhatsApp did not take a message (an outcome unknown is the caller's to report).
  #failed(error: AppError): AppError {
    if (error.code !== 'SEND_OUTCOME_UNKNOWN') this.#logger.warn('WhatsApp send failed', { code: error.code, ...describeError(error) });
    return error;
  }

  async getAccountInfo(): Promise<AccountInfo> {
    const info = this.#requireClient().info;
    if (!info) throw new AppError('SESSION_NOT_READY', { message: 'WhatsApp has not reported the account yet' });
    return { phone: info.wid.user, platform: info.platform, pushname: info.pushname };
  }

  // WhatsApp's code to link by number instead of QR; WhatsApp also notifies that phone to enter it. The
  // library asks for a fresh code every 3 minutes while still unlinked ('code' events, logged); the link
  // itself then arrives like a scan's (authenticated, ready).
  async requestPairingCode(phone: string): Promise<string> {
    return this.#requireClient().requestPairingCode(phone, true);
  }

  async probe(): Promise<void> {
    const page = this.#requireClient().pupPage;
    if (!page) throw new Error('The WhatsApp page is not open');
    await withTimeout(page.evaluate('1'), PROBE_TIMEOUT_MS, 'The WhatsApp page');
  }

  async logout(): Promise<void> {
    this.#loggedOut = true;
    const client = this.#client;
    try {
      if (client?.pupPage) await withTimeout(client.logout(), BROWSER_CLOSE_TIMEOUT_MS, 'whatsapp-web.js logout');
    } catch (error) {
      this.#logger.warn('whatsapp-web.js logout failed; deleting the saved login anyway', describeError(error));
    }
    await this.destroy();
  }

  destroy(): Promise<boolean> {
    this.#destroyed ??= this.#destroy();
    return this.#destroyed;
  }

  // Closes the browser, bounded: whatsapp-web.js's destroy() does nothing before the browser exists, so a
  // client still launching is waited for; one that does not close in time is killed by its pid.
  async #destroy(): Promise<boolean> {
    let polite = true;
    this.#acks.close(new AppError('SEND_OUTCOME_UNKNOWN', { message: 'The WhatsApp client closed while a send waited for its ack; it may or may not have been sent' }));
    const client = this.#client;
    if (client) {
      client.removeAllListeners();
      // One deadline for both: a client still launching is waited for, then closed.
      const deadline = Date.now() + BROWSER_CLOSE_TIMEOUT_MS;
      if (this.#browserPid === undefined && this.#initializing) {
        // A failed start was already reported by initialize()'s caller; here it only ends the wait. A start
        // that does not end in time is news: the close below then works on a half-started client.
        const started = this.#initializing.catch(() => undefined);
        await withTimeout(started, BROWSER_CLOSE_TIMEOUT_MS, 'whatsapp-web.js start').catch((error: unknown) =>
          this.#logger.warn('whatsapp-web.js was still starting when it had to close; closing it anyway', describeError(error)),
        );
      }
      try {
        await withTimeout(client.destroy(), Math.max(0, deadline - Date.now()), 'Closing Chromium');
      } catch (error) {
        polite = false;
        this.#logger.warn('Chromium did not close cleanly', describeError(error));
      }
      const pid = this.#browserPid;
      if (pid !== undefined && isAlive(pid)) {
        polite = false;
        const result = await killBrowserTree(pid, this.#paths.profile, BROWSER_KILL_GRACE_MS);
        if (result.gone) this.#logger.warn('Killed a Chromium that would not close', { browser_pid: pid, forced: result.forced });
        else this.#logger.error('Chromium would not close and survived SIGKILL', { browser_pid: pid, processes: result.signalled });
      }
    }
    // whatsapp-web.js deletes the profile itself after a logout, but without waiting; finish it here so
    // the next client cannot start on a half-deleted profile.
    if (this.#loggedOut) await forgetLogin(this.#paths, 'whatsapp-web.js');
    return polite && client !== undefined && !this.#loggedOut;
  }

  #requireClient(): wwebjs.Client {
    if (!this.#client) throw new AppError('SESSION_NOT_READY', { message: 'The WhatsApp client is not running' });
    return this.#client;
  }
}
