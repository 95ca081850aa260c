// The worker process: forked by the supervisor, owns the WhatsApp driver, answers calls over IPC,
// reports state changes, and shuts the driver down cleanly on request, on a signal or when orphaned.
import { ConfigError, loadConfig } from '../shared/config.js';
import { ipcChannel } from '../shared/ipc-channel.js';
import { createLogger, describeError } from '../shared/logger.js';
import { eventMessage, type WorkerMethods } from '../shared/protocol.js';
import { serveRpc, type Handlers } from '../shared/rpc.js';
import { sessionLayout } from '../shared/session-layout.js';
import { WORKER_CLOSE_BOUND_MS } from '../shared/timings.js';
import { driverFactory } from './drivers/index.js';
import { validateParams } from './params.js';
import { printQr } from './qr-terminal.js';
import { WorkerSession } from './session.js';

// Exit code of a worker whose WhatsApp client could not start (the supervisor backs off and retries).
const EXIT_START_FAILED = 3;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const logger = createLogger({ component: 'worker', clienteId: config.clienteId, level: config.logLevel });
  if (!process.send) {
    logger.error('The worker must be started by the supervisor (it needs an IPC channel): run `npm start`');
    process.exit(1);
  }

  const channel = ipcChannel(process, (error) => logger.warn('IPC send failed', describeError(error)));
  const startedAt = Date.now();
  const session = new WorkerSession({
    createDriver: await driverFactory(config, logger),
    report: (state, reason) => {
      try {
        channel.post(eventMessage({ kind: 'state', state, reason }));
      } catch {
        // The supervisor is gone; the 'disconnect' handler below stops us.
      }
    },
    showQr: (qr) => printQr(qr),
    onBrowser: (pid, profile) => {
      try {
        channel.post(eventMessage({ kind: 'browser', pid, profile }));
      } catch {
        // The supervisor is gone.
      }
    },
    onStartFailed: () => {
      // Let the state event reach the supervisor first.
      setImmediate(() => void stop('the WhatsApp client could not start', EXIT_START_FAILED));
    },
    logger,
  });

  let stopping: Promise<void> | undefined;
  const stop = (why: string, exitCode: number | undefined, graceMs = config.shutdownGraceMs): Promise<void> => {
    stopping ??= (async () => {
      logger.info('Worker stopping', { why, grace_ms: graceMs });
      const timer = setTimeout(() => {
        logger.error('WhatsApp client did not close in time; exiting anyway', { timeout_ms: graceMs + WORKER_CLOSE_BOUND_MS });
        process.exit(1);
      }, graceMs + WORKER_CLOSE_BOUND_MS);
      timer.unref();
      try {
        await session.shutdown(graceMs);
      } catch (error) {
        logger.error('WhatsApp client failed to close', describeError(error));
      }
      logger.info('Worker stopped', { why });
    })();
    if (exitCode !== undefined) void stopping.then(() => process.exit(exitCode));
    return stopping;
  };

  const handlers: Handlers<WorkerMethods> = {
    getQr: async () => session.getQr(),
    send: (params) => session.send(params),
    getAccountInfo: () => session.getAccountInfo(),
    disconnect: async (params) => {
      await session.disconnect(params);
      return null;
    },
    // Answers at once: the session moves to INIT before this answer leaves, and the caller polls /status.
    connect: async () => {
      void session.connect();
      return null;
    },
    ping: async () => {
      await session.probe();
      return { uptimeMs: Date.now() - startedAt };
    },
    shutdown: async ({ graceMs }) => {
      await stop('requested by the supervisor', undefined, graceMs);
      // Exit once the answer has been handed to the channel.
      setImmediate(() => process.exit(0));
      return null;
    },
  };
  serveRpc(channel, handlers, {
    validate: validateParams,
    onHandlerError: (method, error) => logger.error('Worker call failed', { method, ...describeError(error) }),
  });

  // PM2 signals the whole tree, deepest first: the worker must close the browser on its own too.
  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('disconnect', () => void stop('the supervisor went away', 0));

  channel.post(eventMessage({ kind: 'hello', pid: process.pid }));
  logger.info('Worker started', { driver: config.driver, session_dir: sessionLayout(config).dir });
  void session.start();
}

void main();
