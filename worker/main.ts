// The worker process: forked by the supervisor, owns the WhatsApp driver (serve.ts), and stops it cleanly
// on request, on a signal or when orphaned.
import { ConfigError, loadConfig, type Config } from '../shared/config.js';
import { ipcChannel } from '../shared/ipc-channel.js';
import { createLogger, describeError } from '../shared/logger.js';
import { sessionLayout } from '../shared/session-layout.js';
import { driverFactory } from './drivers/index.js';
import { printQr } from './qr-terminal.js';
import { serveWorker } from './serve.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ component: 'worker', clienteId: config.clienteId, level: config.logLevel, format: config.logFormat });
  if (!process.send) {
    logger.error('The worker must be started by the supervisor (it needs an IPC channel): run `npm start`');
    process.exit(1);
  }
  // Loaded before the hello: a worker forked ahead of a recycle is ready the moment it is asked to start.
  const createDriver = await driverFactory(config, logger);
  const worker = serveWorker({
    channel: ipcChannel(process, (error) => logger.warn('IPC send failed', describeError(error))),
    createDriver,
    logger,
    showQr: (qr) => void printQr(qr).catch((error: unknown) => logger.warn('Could not print the QR in the terminal', describeError(error))),
    exit: (code) => process.exit(code),
    pid: process.pid,
    shutdownGraceMs: config.shutdownGraceMs,
    linkLostTimeoutMs: config.linkLostTimeoutMs,
    login: { layout: sessionLayout(config), generations: config.loginSnapshots },
  });

  // PM2 signals the whole tree, deepest first: the worker must close the browser on its own too.
  process.on('SIGINT', () => void worker.stop('SIGINT', 0));
  process.on('SIGTERM', () => void worker.stop('SIGTERM', 0));
  process.on('disconnect', () => void worker.stop('the supervisor went away', 0));
  logger.info('Worker started', { driver: config.driver, session_dir: sessionLayout(config).dir });
}

void main();
