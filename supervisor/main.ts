// The supervisor process: validates config, starts listening at once, forks the worker, and handles
// SIGUSR2 (recycle the worker) and SIGINT/SIGTERM (stop cleanly, exit 0).
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type Config } from '../shared/config.js';
import { AppError } from '../shared/errors.js';
import { createLogger, describeError } from '../shared/logger.js';
import { forgetLogin, sessionLayout, type SessionLayout } from '../shared/session-layout.js';
import { prepareTenantDir, StorageError } from '../shared/tenant-dir.js';
import { lockTenant, TenantBusyError } from '../shared/tenant-lock.js';
import { execaFork } from './fork.js';
import { HTTP_CLOSE_GRACE_MS } from '../shared/timings.js';
import { createApp } from './http/app.js';
import { IdempotencyStore } from './idempotency-store.js';
import { ServiceMetrics } from './metrics.js';
import { MessageStatusStore } from './message-status-store.js';
import { SendQueue } from './send-queue.js';
import { Sender } from './sender.js';
import { StorageHealth } from './storage-health.js';
import { startWebhooks } from './webhooks/webhooks.js';
import { WorkerHost } from './worker-host.js';

const WORKER_ENTRY = fileURLToPath(new URL('../worker/main.js', import.meta.url));

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

// The tenant's folder, usable and ours alone, before anything starts; otherwise one line and exit code 1.
async function claimTenantDir(config: Config, layout: SessionLayout): Promise<() => Promise<void>> {
  try {
    await prepareTenantDir(config.sessionsDir, layout.dir);
    return await lockTenant(layout.lockFile, `session-manager for CLIENTE_ID=${config.clienteId}`);
  } catch (error) {
    const line =
      error instanceof StorageError
        ? error.message
        : error instanceof TenantBusyError
          ? `Another session-manager (pid ${error.pid}) is already running for CLIENTE_ID=${config.clienteId} in ${layout.dir}: stop it first`
          : `SESSIONS_DIR=${config.sessionsDir} cannot be used: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = readConfig();
  const layout = sessionLayout(config);
  const releaseTenantDir = await claimTenantDir(config, layout);
  const logger = createLogger({ component: 'supervisor', clienteId: config.clienteId, level: config.logLevel, format: config.logFormat });
  const queue = new SendQueue({ maxQueued: config.sendQueueMax, minIntervalMs: config.sendMinIntervalMs });
  // The metrics' wiring: session, restarts, memory, sends, webhooks (read at each scrape, once they started).
  const metrics = new ServiceMetrics({
    clienteId: config.clienteId,
    queueDepth: () => queue.waiting,
    ...(config.webhookUrl === undefined ? {} : { webhooks: { pending: () => webhooks?.health().pending ?? 0, failuresTotal: () => webhooks?.failedTries() ?? 0 } }),
  });
  // What /health says of the tenant's files; every store below reports its writes to it.
  const storage = new StorageHealth(logger);
  const statuses = await MessageStatusStore.open({
    file: layout.messageStatusFile,
    ttlMs: config.messageStatusTtlMs,
    max: config.messageStatusMax,
    logger,
    storage,
  });
  const host = new WorkerHost({
    config,
    logger,
    fork: execaFork(WORKER_ENTRY, process.env, logger),
    forgetLogin: () => forgetLogin(layout, config.driver),
    measureMemoryMb: metrics.measureWorkerMemoryMb,
    onRestart: (cause) => metrics.workerRestarted(cause),
    onMessage: (event) => statuses.ack(event.messageId, event.ack),
  });
  metrics.observe(host);
  const webhooks = await startWebhooks(config, { file: layout.webhookOutbox, storage }, { clienteId: config.clienteId, session: host, messages: statuses }, logger);
  const store = await IdempotencyStore.open(layout.idempotencyFile, config.idempotencyTtlMs, logger, { storage });
  const sender = new Sender(
    metrics.timeDispatch((params) => host.send(params)),
    queue,
    store,
    logger,
    (params, result) => statuses.sent(result.messageId, params.to),
  );
  let shuttingDown = false;
  const app = createApp({
    clienteId: config.clienteId,
    apiToken: config.apiToken,
    service: host,
    sender: metrics.countSends(sender),
    logger,
    isShuttingDown: () => shuttingDown,
    metrics: metrics.registry,
    messages: statuses,
    webhookHealth: () => webhooks?.health() ?? null,
    storageHealth: () => storage.health(),
  });

  const server = http.createServer(app.callback());
  server.on('error', (error) => {
    logger.error(`Cannot listen on ${config.host}:${config.port}`, describeError(error));
    void host.stop().finally(() => process.exit(1));
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info('Listening', {
      url: `http://${config.host}:${port}`,
      port,
      driver: config.driver,
      startup_ms: Math.round(performance.now() - startedAt),
    });
    // PM2 (wait_ready) counts the app online once it answers on its port, not once it runs.
    process.send?.('ready');
  });
  host.start();

  process.on('SIGUSR2', () => {
    logger.info('SIGUSR2: recycling the worker');
    host.recycle('SIGUSR2').catch((error: unknown) => logger.error('Recycle failed', describeError(error)));
  });

  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('Shutting down', { signal });
    sender.close(new AppError('SHUTTING_DOWN', { message: 'The service is shutting down; this message was not sent' }));
    void (async () => {
      await host.stop().catch((error: unknown) => logger.error('Worker stop failed', describeError(error)));
      // After the worker: the state changes of its stop are in the outbox (delivered after a restart).
      await webhooks?.stop().catch((error: unknown) => logger.error('Webhooks stop failed', describeError(error)));
      await Promise.all([store.flush(), statuses.flush()]);
      storage.stop();
      await releaseTenantDir().catch((error: unknown) => logger.warn('Could not remove the tenant lock', describeError(error)));
      server.close();
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), HTTP_CLOSE_GRACE_MS).unref();
      logger.info('Stopped', { signal });
      process.exitCode = 0;
      logger.on('finish', () => process.exit(0));
      logger.end();
    })();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`session-manager failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
