import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { WebhookEvent } from '../../../supervisor/webhooks/events.js';
import { WebhookOutbox } from '../../../supervisor/webhooks/outbox.js';
import { captureLogger, type CapturedLogger } from '../../support/logger.js';

function testEvent(n: number): WebhookEvent {
  return { id: `e${n}`, type: 'message.status', cliente_id: 51, at: new Date(n).toISOString(), data: { message_id: `m${n}`, to: '5491123456789', status: 'sent', ack: 1 } };
}

describe('webhooks/outbox', function () {
  let dir: string;
  let file: string;
  let log: CapturedLogger;
  const opened: WebhookOutbox[] = [];

  async function open(max = 100): Promise<WebhookOutbox> {
    const outbox = await WebhookOutbox.open({ file, max, logger: log.logger });
    opened.push(outbox);
    return outbox;
  }

  async function reopen(previous: WebhookOutbox, max = 100): Promise<WebhookOutbox> {
    await previous.flush();
    return open(max);
  }

  const ids = (outbox: WebhookOutbox): string[] => {
    const seen: string[] = [];
    // Reads the queue through its public face: head, then done, on a copy's worth of ids.
    for (let event = outbox.head; event && !seen.includes(event.id); event = outbox.head) {
      seen.push(event.id);
      outbox.done(event.id);
    }
    return seen;
  };

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'webhook-outbox-'));
    file = path.join(dir, 'webhook-outbox.jsonl');
    log = captureLogger();
  });

  afterEach(async function () {
    await Promise.all(opened.splice(0).map((outbox) => outbox.flush()));
    await rm(dir, { recursive: true, force: true });
  });

  it('hands out events oldest first, and tells listeners of every change', async function () {
    const outbox = await open();
    let changes = 0;
    outbox.subscribe(() => (changes += 1));
    for (const n of [1, 2, 3]) outbox.push(testEvent(n));
    expect([outbox.pending, outbox.head?.id]).to.deep.equal([3, 'e1']);
    outbox.done('e1');
    expect([outbox.pending, outbox.head?.id, changes]).to.deep.equal([2, 'e2', 4]);
    outbox.done('e1');
    expect(changes).to.equal(4);
  });

  it('keeps undelivered events across a reopen, in order, and not the delivered ones', async function () {
    const outbox = await open();
    for (const n of [1, 2, 3, 4]) outbox.push(testEvent(n));
    outbox.done('e1');
    outbox.done('e3');
    const reopened = await reopen(outbox);
    expect(reopened.head).to.deep.equal(testEvent(2));
    expect(ids(reopened)).to.deep.equal(['e2', 'e4']);
  });

  it('drops the oldest beyond max, with a log line each, and they stay dropped after a reopen', async function () {
    const outbox = await open(3);
    for (const n of [1, 2, 3, 4, 5]) outbox.push(testEvent(n));
    expect([outbox.pending, outbox.dropped, outbox.head?.id]).to.deep.equal([3, 2, 'e3']);
    const warned = log.lines().filter((line) => line.level === 'warn');
    expect(warned.map((line) => [line.message, line.event_id])).to.deep.equal([
      ['Webhook outbox full (WEBHOOK_QUEUE_MAX): dropped its oldest event, never delivered', 'e1'],
      ['Webhook outbox full (WEBHOOK_QUEUE_MAX): dropped its oldest event, never delivered', 'e2'],
    ]);
    const reopened = await reopen(outbox, 3);
    expect(ids(reopened)).to.deep.equal(['e3', 'e4', 'e5']);
  });

  it('keeps the newest max when reopened with a lower max', async function () {
    const outbox = await open();
    for (const n of [1, 2, 3, 4]) outbox.push(testEvent(n));
    const reopened = await reopen(outbox, 2);
    expect([reopened.dropped, ...ids(reopened)]).to.deep.equal([2, 'e3', 'e4']);
  });

  it('compacts on open to the pending events only', async function () {
    const outbox = await open();
    for (const n of [1, 2, 3]) outbox.push(testEvent(n));
    outbox.done('e2');
    await reopen(outbox);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { event: WebhookEvent });
    expect(lines.map((line) => line.event.id)).to.deep.equal(['e1', 'e3']);
  });

  it('opens a file that ends in half a line, keeping the events before it', async function () {
    const outbox = await open();
    outbox.push(testEvent(1));
    await outbox.flush();
    await appendFile(file, '{"event":{"id":"e2","ty');
    const reopened = await open();
    expect(ids(reopened)).to.deep.equal(['e1']);
    expect(log.lines().filter((line) => line.message === 'Ignored unreadable lines of the webhook outbox')).to.have.length(1);
  });
});
