import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { MessageAck } from '../../shared/protocol.js';
import { acceptsAck, messageStatusBody, statusOf, type MessageStatus } from '../../supervisor/message-status.js';
import { MessageStatusStore } from '../../supervisor/message-status-store.js';
import { captureLogger, type CapturedLogger } from '../support/logger.js';

const DAY = 86_400_000;
const TO = '5491123456789';

describe('message-status-store', function () {
  let dir: string;
  let file: string;
  let log: CapturedLogger;
  let now: number;
  const opened: MessageStatusStore[] = [];

  async function open(options: { max?: number; ttlMs?: number } = {}): Promise<MessageStatusStore> {
    const store = await MessageStatusStore.open({ file, ttlMs: options.ttlMs ?? 7 * DAY, max: options.max ?? 100, logger: log.logger, now: () => now });
    opened.push(store);
    return store;
  }

  async function reopen(previous: MessageStatusStore, options: { max?: number; ttlMs?: number } = {}): Promise<MessageStatusStore> {
    await previous.flush();
    return open(options);
  }

  const ackOf = (store: MessageStatusStore, id: string): MessageAck | undefined => store.get(id)?.ack;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'message-status-'));
    file = path.join(dir, 'message-status.jsonl');
    log = captureLogger();
    now = 1_700_000_000_000;
  });

  afterEach(async function () {
    await Promise.all(opened.splice(0).map((store) => store.flush()));
    await rm(dir, { recursive: true, force: true });
  });

  describe('statuses', function () {
    it('names each ack: -1 failed, 0 pending, 1 sent, 2 delivered, 3 read, 4 played', function () {
      expect(([-1, 0, 1, 2, 3, 4] as const).map(statusOf)).to.deep.equal(['failed', 'pending', 'sent', 'delivered', 'read', 'played']);
    });

    it('accepts only higher acks; failed only before delivery, and then nothing more', function () {
      expect([acceptsAck(1, 2), acceptsAck(2, 3), acceptsAck(1, 4)]).to.deep.equal([true, true, true]);
      expect([acceptsAck(3, 2), acceptsAck(2, 2), acceptsAck(1, 0)]).to.deep.equal([false, false, false]);
      expect([acceptsAck(0, -1), acceptsAck(1, -1), acceptsAck(2, -1), acceptsAck(3, -1)]).to.deep.equal([true, true, false, false]);
      expect([acceptsAck(-1, 1), acceptsAck(-1, 4)]).to.deep.equal([false, false]);
    });

    it('answers the documented body, times in ISO 8601', function () {
      const message: MessageStatus = { messageId: 'm1', to: TO, ack: 2, sentAt: 0, updatedAt: 1500 };
      expect(messageStatusBody(message)).to.deep.equal({
        message_id: 'm1',
        to: TO,
        status: 'delivered',
        ack: 2,
        sent_at: '1970-01-01T00:00:00.000Z',
        updated_at: '1970-01-01T00:00:01.500Z',
      });
    });
  });

  describe('acks', function () {
    it('records a send as sent, and moves it forward with later acks', async function () {
      const store = await open();
      store.sent('m1', TO);
      expect(store.get('m1')).to.deep.include({ to: TO, ack: 1, sentAt: now, updatedAt: now });
      now += 1000;
      store.ack('m1', 2);
      expect(store.get('m1')).to.deep.include({ ack: 2, sentAt: now - 1000, updatedAt: now });
    });

    it('ignores an ack that would go backwards or repeat, and tells listeners nothing', async function () {
      const store = await open();
      const heard: [string, MessageAck][] = [];
      store.subscribe((message) => heard.push([message.messageId, message.ack]));
      store.sent('m1', TO);
      store.ack('m1', 3);
      store.ack('m1', 2);
      store.ack('m1', 3);
      store.ack('m1', -1);
      expect(ackOf(store, 'm1')).to.equal(3);
      expect(heard).to.deep.equal([['m1', 1], ['m1', 3]]);
    });

    it('keeps failed as final', async function () {
      const store = await open();
      store.sent('m1', TO);
      store.ack('m1', -1);
      store.ack('m1', 2);
      expect(ackOf(store, 'm1')).to.equal(-1);
    });

    it('keeps the first `to` (an ack naming the chat by a LID changes nothing) and applies an ack that came before the send was recorded', async function () {
      const store = await open();
      store.ack('m1', 2);
      expect(store.get('m1')).to.equal(undefined);
      store.sent('m1', TO);
      store.sent('m1', '99999999999');
      expect(store.get('m1')).to.deep.include({ to: TO, ack: 2 });
    });

    it('knows nothing of messages it was never told were sent', async function () {
      const store = await open();
      store.ack('from-the-phone', 3);
      expect(store.get('from-the-phone')).to.equal(undefined);
      expect(store.size).to.equal(0);
    });
  });

  describe('bounds', function () {
    it('forgets a message ttlMs after its send, also after reopening', async function () {
      const store = await open({ ttlMs: DAY });
      store.sent('old', TO);
      now += DAY / 2;
      store.sent('young', TO);
      now += DAY / 2;
      expect(store.get('old')).to.equal(undefined);
      expect(ackOf(store, 'young')).to.equal(1);
      const reopened = await reopen(store, { ttlMs: DAY });
      expect([reopened.size, ackOf(reopened, 'young')]).to.deep.equal([1, 1]);
    });

    it('keeps at most `max` messages, forgetting the oldest sends first, also when reopened with a lower max', async function () {
      const store = await open({ max: 3 });
      for (const id of ['a', 'b', 'c', 'd']) store.sent(id, TO);
      store.ack('b', 3);
      expect(['a', 'b', 'c', 'd'].map((id) => ackOf(store, id))).to.deep.equal([undefined, 3, 1, 1]);
      const reopened = await reopen(store, { max: 2 });
      expect(['b', 'c', 'd'].map((id) => ackOf(reopened, id))).to.deep.equal([undefined, 1, 1]);
    });
  });

  describe('disk', function () {
    it('gives back every status, with its times, after reopening', async function () {
      const store = await open();
      store.sent('m1', TO);
      now += 5;
      store.ack('m1', 3);
      store.sent('m2', '5491100000000');
      const reopened = await reopen(store);
      expect(reopened.get('m1')).to.deep.equal({ messageId: 'm1', to: TO, ack: 3, sentAt: now - 5, updatedAt: now });
      expect(reopened.get('m2')).to.deep.include({ to: '5491100000000', ack: 1 });
      reopened.ack('m1', 2);
      reopened.ack('m2', 2);
      expect([ackOf(reopened, 'm1'), ackOf(reopened, 'm2')]).to.deep.equal([3, 2]);
    });

    it('compacts the file on open to one line per message', async function () {
      const store = await open();
      store.sent('m1', TO);
      for (const ack of [2, 3, 4] as const) store.ack('m1', ack);
      store.sent('m2', TO);
      await store.flush();
      expect((await readFile(file, 'utf8')).trim().split('\n')).to.have.length(5);
      await reopen(store);
      const ids = (await readFile(file, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { id: string; ack: number }));
      expect(ids.map((line) => [line.id, line.ack])).to.deep.equal([['m1', 4], ['m2', 1]]);
    });

    it('opens a file that ends in half a line, with a warning, keeping the records before it', async function () {
      const store = await open();
      store.sent('m1', TO);
      await store.flush();
      await appendFile(file, '{"id":"m2","to":"549');
      const reopened = await open();
      expect([ackOf(reopened, 'm1'), reopened.get('m2')]).to.deep.equal([1, undefined]);
      const warned = log.lines().filter((line) => line.message === 'Ignored unreadable lines of the message status file');
      expect(warned.map((line) => line.lines)).to.deep.equal([1]);
    });

    it('keeps a status in memory and logs when it cannot be written', async function () {
      const store = await open();
      await rm(file, { force: true });
      await mkdir(file);
      store.sent('m1', TO);
      await store.flush();
      expect(ackOf(store, 'm1')).to.equal(1);
      const errors = log.lines().filter((line) => line.level === 'error');
      expect(errors.map((line) => [line.message, line.message_id, line.error_code])).to.deep.equal([
        ['Could not save a message status; it is kept in memory, but lost at a restart', 'm1', 'EISDIR'],
      ]);
      await rm(file, { recursive: true });
    });
  });
});
