// Webhooks, when WEBHOOK_URL is set: the events of the session and of sent messages go into the durable
// outbox, and the deliverer posts them. What main.ts starts and stops.
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import { WebhookDeliverer, type WebhookHealth } from './deliverer.js';
import { listenForWebhookEvents, type WebhookSources } from './events.js';
import { WebhookOutbox } from './outbox.js';
import type { StorageHealth } from '../storage-health.js';

// The first wait after a failure, unless WEBHOOK_RETRY_MAX_MS is lower.
const RETRY_BASE_MS = 1000;

export interface Webhooks {
  health(): WebhookHealth;
  // Tries that did not deliver since the start (refused, or failed and retried).
  failedTries(): number;
  // Stops listening and delivering (a request in flight is aborted), and waits for the outbox's writes.
  stop(): Promise<void>;
}

type WebhookConfig = Pick<Config, 'webhookUrl' | 'webhookSecret' | 'webhookQueueMax' | 'webhookTimeoutMs' | 'webhookRetryMaxMs'>;

export async function startWebhooks(
  config: WebhookConfig,
  outbox: { file: string; storage?: StorageHealth },
  sources: WebhookSources,
  logger: Logger,
): Promise<Webhooks | undefined> {
  if (config.webhookUrl === undefined) {
    if (config.webhookSecret !== undefined) logger.warn('WEBHOOK_SECRET is set but WEBHOOK_URL is not: webhooks are off');
    return undefined;
  }
  const events = await WebhookOutbox.open({ ...outbox, max: config.webhookQueueMax, logger });
  const deliverer = new WebhookDeliverer({
    url: config.webhookUrl,
    secret: config.webhookSecret,
    timeoutMs: config.webhookTimeoutMs,
    backoff: { baseMs: Math.min(RETRY_BASE_MS, config.webhookRetryMaxMs), maxMs: config.webhookRetryMaxMs },
    outbox: events,
    logger,
  });
  const unlisten = listenForWebhookEvents(sources, (event) => events.push(event));
  deliverer.start();
  logger.info('Webhooks on', { url: new URL(config.webhookUrl).origin, signed: config.webhookSecret !== undefined, pending: events.pending });
  return {
    health: () => deliverer.health(),
    failedTries: () => deliverer.failedTries,
    async stop() {
      unlisten();
      await deliverer.stop();
      await events.flush();
    },
  };
}
