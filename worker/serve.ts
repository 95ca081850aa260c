// The worker's part of the IPC contract, over an injected channel: answers the supervisor's calls with the
// session, reports states, browsers and message acks as events, and stops the session cleanly before
// ending. The process wiring (signals, process.exit) is main.ts's; tests run this over an in-memory channel.
import { describeError, type Logger } from '../shared/logger.js';
import { eventMessage, type WorkerEvent, type WorkerMethods } from '../shared/protocol.js';
import { serveRpc, type Channel, type Handlers } from '../shared/rpc.js';
import { WORKER_CLOSE_BOUND_MS } from '../shared/timings.js';
import type { SessionLayout } from '../shared/session-layout.js';
import type { DriverFactory } from './drivers/driver.js';
import { LoginKeeper } from './login/keeper.js';
import { validateParams } from './params.js';
import { WorkerSession } from './session.js';

// Exit code of a worker whose WhatsApp client could not start (the supervisor backs off and retries).
const EXIT_START_FAILED = 3;

export interface ServeWorkerOptions {
  channel: Channel;
  createDriver: DriverFactory;
  logger: Logger;
  // Shows a new QR to the operator (the terminal).
  showQr: (qr: string) => void;
  // Ends the worker (process.exit in the real process).
  exit: (code: number) => void;
  pid: number;
  shutdownGraceMs: number;
  // LINK_LOST_TIMEOUT_MS: a WhatsApp Web link lost this long gets a new client.
  linkLostTimeoutMs: number;
  // Snapshots of the saved login (LOGIN_SNAPSHOTS generations in the tenant's folder); none when absent.
  login?: { layout: SessionLayout; generations: number };
}

export interface ServedWorker {
  // Stops taking calls, lets calls in flight finish for graceMs, closes the client; then exits with
  // exitCode if one is given. Bounded: a client that does not close in time is left behind with exit 1.
  stop(why: string, exitCode?: number, graceMs?: number): Promise<void>;
}

export function serveWorker(options: ServeWorkerOptions): ServedWorker {
  const { channel, logger } = options;
  const startedAt = Date.now();
  const post = (event: WorkerEvent): void => {
    try {
      channel.post(eventMessage(event));
    } catch {
      // The supervisor is gone; main.ts stops the worker on 'disconnect'.
    }
  };
  const login = options.login && new LoginKeeper({
    ...options.login,
    files: options.createDriver.loginFiles,
    logger,
    onRestore: ({ at, snapshot }) => post({ kind: 'restore', at, snapshot }),
  });
  const session = new WorkerSession({
    createDriver: options.createDriver,
    ...(login ? { login } : {}),
    report: (state, reason) => post({ kind: 'state', state, reason }),
    showQr: options.showQr,
    onBrowser: (pid, profile) => post({ kind: 'browser', pid, profile }),
    onMessage: ({ messageId, to, ack }) => {
      logger.debug('WhatsApp ack', { message_id: messageId, ack });
      post({ kind: 'message', messageId, to, ack });
    },
    linkLostTimeoutMs: options.linkLostTimeoutMs,
    // Let the state event reach the supervisor first.
    onStartFailed: () => setImmediate(() => void stop('the WhatsApp client could not start', EXIT_START_FAILED)),
    logger,
  });

  let stopping: Promise<void> | undefined;
  const stop = (why: string, exitCode?: number, graceMs = options.shutdownGraceMs): Promise<void> => {
    stopping ??= (async () => {
      logger.info('Worker stopping', { why, grace_ms: graceMs });
      const timer = setTimeout(() => {
        logger.error('WhatsApp client did not close in time; exiting anyway', { timeout_ms: graceMs + WORKER_CLOSE_BOUND_MS });
        options.exit(1);
      }, graceMs + WORKER_CLOSE_BOUND_MS);
      timer.unref();
      try {
        await session.shutdown(graceMs);
      } catch (error) {
        logger.error('WhatsApp client failed to close', describeError(error));
      }
      clearTimeout(timer);
      logger.info('Worker stopped', { why });
    })();
    if (exitCode !== undefined) void stopping.then(() => options.exit(exitCode));
    return stopping;
  };

  const handlers: Handlers<WorkerMethods> = {
    getQr: async () => session.getQr(),
    requestPairingCode: async ({ phone }) => ({ code: await session.requestPairingCode(phone) }),
    send: (params) => session.send(params),
    getAccountInfo: () => session.getAccountInfo(),
    disconnect: async (params) => {
      await session.disconnect(params);
      return null;
    },
    // Both answer at once: the session moves to INIT before this answer leaves; the caller follows the states.
    connect: async () => {
      void session.connect();
      return null;
    },
    start: async () => {
      void session.start();
      return null;
    },
    ping: async () => {
      await session.probe();
      return { uptimeMs: Date.now() - startedAt };
    },
    shutdown: async ({ graceMs }) => {
      await stop('requested by the supervisor', undefined, graceMs);
      // Exit once the answer has been handed to the channel.
      setImmediate(() => options.exit(0));
      return null;
    },
  };
  serveRpc(channel, handlers, {
    validate: validateParams,
    onHandlerError: (method, error) => logger.error('Worker call failed', { method, ...describeError(error) }),
  });
  post({ kind: 'hello', pid: options.pid });
  return { stop };
}
