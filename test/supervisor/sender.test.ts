import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { captureLogger } from '../support/logger.js';
import { fakeSendWorker, holdWorker } from '../support/fake-send-worker.js';
import { rejectionOf, settlesWithin, until } from '../support/promises.js';
import { AppError, type ErrorCode } from '../../shared/errors.js';
import type { SendParams } from '../../shared/protocol.js';
import { IdempotencyStore } from '../../supervisor/idempotency-store.js';
import { SendQueue, type SendQueueOptions } from '../../supervisor/send-queue.js';
import { Sender, WRITE_WAIT_MS, type SendOptions, type SentRecorder } from '../../supervisor/sender.js';

const TTL_MS = 60 * 60_000;
const HELLO: SendParams = { to: '5491123456789', message: 'Hello' };

async function appErrorOf(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error = await rejectionOf(promise);
  if (!(error instanceof AppError)) return expect.fail(`expected an AppError ${code}, got ${String(error)}`);
  expect(error.code).to.equal(code);
  return error;
}

describe('sender', function () {
  let dir: string;
  const stores: IdempotencyStore[] = [];

  // A Sender over a real queue and a real store; a second call is a "restart" on the same file.
  async function rig(queueOptions: Partial<SendQueueOptions> = {}, recordSent?: SentRecorder) {
    const log = captureLogger();
    const store = await IdempotencyStore.open(storeFile(), TTL_MS, log.logger);
    stores.push(store);
    const worker = fakeSendWorker();
    const queue = new SendQueue({ maxQueued: 10, minIntervalMs: 0, ...queueOptions });
    const sender = new Sender(worker.dispatch, queue, store, log.logger, recordSent);
    const send = (params: SendParams = HELLO, options?: SendOptions) => sender.send(params, options);
    const sendKeyed = (key: string, params: SendParams = HELLO) => sender.send(params, { idempotencyKey: key });
    return { sender, queue, worker, send, sendKeyed, log };
  }

  const storeFile = (): string => path.join(dir, 'idempotency.jsonl');

  // From now on every write to the store's file fails (EISDIR): its path is a directory.
  async function breakStoreFile(): Promise<void> {
    await rm(storeFile());
    await mkdir(storeFile());
  }

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sender-'));
  });

  afterEach(async function () {
    await Promise.all(stores.splice(0).map((store) => store.flush()));
    await rm(dir, { recursive: true, force: true });
  });

  describe('without an Idempotency-Key', function () {
    it('sends every request, even identical ones', async function () {
      const { worker, send } = await rig();
      const outcomes = [await send(), await send()];
      expect(worker.calls).to.deep.equal([HELLO, HELLO]);
      expect(outcomes.map((outcome) => outcome.replayed)).to.deep.equal([false, false]);
      expect(outcomes[0]?.messageId).to.not.equal(outcomes[1]?.messageId);
    });
  });

  describe('recording a sent message', function () {
    it('answers once the message is recorded, and the next send does not wait for that record', async function () {
      const records: { id: string; done: () => void }[] = [];
      const { send, worker } = await rig({}, (_params, result) => new Promise<void>((done) => records.push({ id: result.messageId, done })));
      const first = send();
      await until(() => records.length === 1);
      expect(await settlesWithin(first, 50)).to.equal('pending');
      // The queue's turn is over: the second send reaches the worker while the first record is still being written.
      const second = send();
      await until(() => records.length === 2);
      expect(worker.calls).to.have.length(2);
      for (const record of records) record.done();
      const outcomes = await Promise.all([first, second]);
      expect(outcomes.map((outcome) => outcome.messageId)).to.deep.equal(records.map((record) => record.id));
    });

    it('answers a message that went out after WRITE_WAIT_MS when the disk hangs, or at once when the record fails, saying so', async function () {
      this.timeout(10_000);
      const hung = await rig({}, () => new Promise<void>(() => undefined));
      const started = performance.now();
      const outcome = await hung.sendKeyed('order-1');
      expect(performance.now() - started).to.be.within(WRITE_WAIT_MS - 50, WRITE_WAIT_MS + 1000);
      expect(outcome.replayed).to.equal(false);
      expect(hung.log.lines().filter((line) => line.level === 'warn').map((line) => line.message)).to.deep.equal([
        'The disk is slow: a send was answered before its status was on the disk',
      ]);
      const failing = await rig({}, () => Promise.reject(new Error('EIO')));
      expect((await failing.send()).messageId).to.be.a('string');
      expect(failing.log.lines().filter((line) => line.level === 'error').map((line) => [line.message, line.error])).to.deep.equal([
        ['Could not write down its status of a send', 'EIO'],
      ]);
    });
  });

  describe('the debug log', function () {
    it('says when each send is handed to the worker and how long it waited in the queue', async function () {
      const { send, log } = await rig({ minIntervalMs: 50 });
      await Promise.all([send(), send()]);
      const handed = log.lines().filter((line) => line.message === 'Send handed to the worker');
      expect(handed.map((line) => [line.level, line.waiting])).to.deep.equal([
        ['debug', 0],
        ['debug', 0],
      ]);
      expect(handed[1]?.queued_ms).to.be.a('number').that.is.at.least(49);
    });
  });

  describe('with an Idempotency-Key', function () {
    it('sends 5 concurrent identical requests once, and all get the same messageId, the repeats as replayed', async function () {
      const { worker, sendKeyed } = await rig();
      worker.delayMs = 30;
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => sendKeyed('order-42')));
      expect(worker.calls).to.have.length(1);
      expect(new Set(outcomes.map((outcome) => outcome.messageId)).size).to.equal(1);
      expect(outcomes.map((outcome) => outcome.replayed)).to.deep.equal([false, true, true, true, true]);
    });

    it('answers a repeat after success with the first messageId, replayed, without sending', async function () {
      const { worker, sendKeyed } = await rig();
      const first = await sendKeyed('order-42');
      const repeat = await sendKeyed('order-42');
      expect(worker.calls).to.have.length(1);
      expect(repeat).to.deep.equal({ messageId: first.messageId, replayed: true });
    });

    for (const code of ['SEND_FAILED', 'SESSION_NOT_READY'] as const) {
      it(`sends again on a retry after ${code} (nothing was sent)`, async function () {
        const { worker, sendKeyed } = await rig();
        worker.behaviour = code;
        const error = await appErrorOf(sendKeyed('order-42'), code);
        expect(error.headers).to.not.have.property('Idempotent-Replayed');
        worker.behaviour = 'succeed';
        expect(await sendKeyed('order-42')).to.have.property('replayed', false);
        expect(worker.calls).to.have.length(2);
      });
    }

    for (const code of ['SEND_OUTCOME_UNKNOWN', 'WORKER_TIMEOUT'] as const) {
      it(`never sends again after ${code}: a retry gets the same code with Idempotent-Replayed: true`, async function () {
        const { worker, sendKeyed } = await rig();
        worker.behaviour = code;
        await appErrorOf(sendKeyed('order-42'), code);
        worker.behaviour = 'succeed';
        const error = await appErrorOf(sendKeyed('order-42'), code);
        expect(error.headers).to.have.property('Idempotent-Replayed', 'true');
        expect(worker.calls).to.have.length(1);
      });
    }

    it('sends again on a retry after the queue was full (nothing was sent)', async function () {
      const { worker, sendKeyed, send } = await rig({ maxQueued: 1 });
      const release = holdWorker(worker);
      const busy = [send(), send()];
      await appErrorOf(sendKeyed('order-42'), 'QUEUE_FULL');
      release();
      await Promise.all(busy);
      expect(await sendKeyed('order-42')).to.have.property('replayed', false);
      expect(worker.calls).to.have.length(3);
    });

    for (const [what, other] of [
      ['message', { ...HELLO, message: 'Hello again' }],
      ['recipient', { ...HELLO, to: '5491100000000' }],
    ] as const) {
      it(`refuses the same key with a different ${what}: IDEMPOTENCY_KEY_REUSED, nothing sent`, async function () {
        const { worker, sendKeyed } = await rig();
        await sendKeyed('order-42');
        await appErrorOf(sendKeyed('order-42', other), 'IDEMPOTENCY_KEY_REUSED');
        expect(worker.calls).to.deep.equal([HELLO]);
      });
    }

    it('accepts a key of 200 visible ASCII characters, punctuation included', async function () {
      const { worker, sendKeyed } = await rig();
      const key = `!~"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}`.padEnd(200, 'k');
      await sendKeyed(key);
      expect(await sendKeyed(key)).to.have.property('replayed', true);
      expect(worker.calls).to.have.length(1);
    });
  });

  describe('when the answer cannot be written to the idempotency file', function () {
    it('still answers a send that went out with its message id, and logs that repeat protection may not hold', async function () {
      const { worker, sendKeyed, log } = await rig();
      const release = holdWorker(worker);
      const sending = sendKeyed('order-42');
      await until(() => worker.calls.length === 1);
      await breakStoreFile();
      release();
      expect(await sending).to.deep.equal({ messageId: 'true_5491123456789@c.us_1', replayed: false });
      const logged = log.lines().filter((line) => line.level === 'error');
      expect(logged).to.have.length(1);
      expect(logged[0]).to.include({ idempotency_key: 'order-42', message_id: 'true_5491123456789@c.us_1', error_code: 'EISDIR' });
      expect(String(logged[0]?.message)).to.match(/^Message sent, but its answer could not be saved.*repeat protection/);
      // Until a restart the answer is in memory: a repeat still gets it, and nothing is sent twice.
      expect(await sendKeyed('order-42')).to.deep.equal({ messageId: 'true_5491123456789@c.us_1', replayed: true });
      expect(worker.calls).to.have.length(1);
    });

    it("answers a failed send with the send's own error, not the file's, and logs the lost answer", async function () {
      const { worker, sendKeyed, log } = await rig();
      worker.behaviour = 'SEND_FAILED';
      const release = holdWorker(worker);
      const sending = appErrorOf(sendKeyed('order-42'), 'SEND_FAILED');
      await until(() => worker.calls.length === 1);
      await breakStoreFile();
      release();
      expect((await sending).message).to.equal('fake worker: SEND_FAILED');
      const logged = log.lines().filter((line) => line.level === 'error');
      expect(logged).to.have.length(1);
      expect(logged[0]).to.include({ idempotency_key: 'order-42', answer: 'SEND_FAILED', error_code: 'EISDIR' });
      expect(String(logged[0]?.message)).to.match(/^Could not save the answer to a failed send/);
    });
  });

  describe('after a restart', function () {
    it('still answers a used key from disk, without sending', async function () {
      const before = await rig();
      const first = await before.sendKeyed('order-42');
      const after = await rig();
      expect(await after.sendKeyed('order-42')).to.deep.equal({ messageId: first.messageId, replayed: true });
      expect(after.worker.calls).to.have.length(0);
    });

    it('answers a key whose send was in flight when the service died with SEND_OUTCOME_UNKNOWN, without sending', async function () {
      const before = await rig();
      const release = holdWorker(before.worker);
      const inFlight = before.sendKeyed('order-42');
      await until(() => before.worker.calls.length === 1);
      const after = await rig();
      const error = await appErrorOf(after.sendKeyed('order-42'), 'SEND_OUTCOME_UNKNOWN');
      expect(error.headers).to.have.property('Idempotent-Replayed', 'true');
      expect(after.worker.calls).to.have.length(0);
      release();
      await inFlight;
    });
  });

  describe('close', function () {
    it('refuses the sends not started yet with the given error, without sending them; the running one finishes', async function () {
      const { sender, queue, worker, send, sendKeyed } = await rig();
      const release = holdWorker(worker);
      const running = send();
      const queued = [rejectionOf(send()), rejectionOf(sendKeyed('order-42'))];
      await until(() => queue.waiting === 2);
      const shutdown = new AppError('SHUTTING_DOWN');
      sender.close(shutdown);
      expect(await Promise.all(queued)).to.deep.equal([shutdown, shutdown]);
      release();
      expect(await running).to.have.property('replayed', false);
      expect(worker.calls).to.have.length(1);
    });

    it('leaves the key of a send refused by close free, so it can be sent after a restart', async function () {
      const before = await rig();
      const release = holdWorker(before.worker);
      const running = before.send();
      const queued = rejectionOf(before.sendKeyed('order-42'));
      await until(() => before.queue.waiting === 1);
      before.sender.close(new AppError('SHUTTING_DOWN'));
      await queued;
      release();
      await running;
      const after = await rig();
      expect(await after.sendKeyed('order-42')).to.have.property('replayed', false);
      expect(after.worker.calls).to.have.length(1);
    });
  });
});
