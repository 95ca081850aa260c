import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { captureLogger, type CapturedLogger } from '../support/logger.js';
import { rejectionOf, settlesWithin } from '../support/promises.js';
import { AppError } from '../../shared/errors.js';
import { IdempotencyStore, type Claim, type StoredResponse } from '../../supervisor/idempotency-store.js';

const TTL_MS = 60 * 60_000;
const SENT: StoredResponse = { ok: true, messageId: 'true_5491123456789@c.us_3EB0AAAA' };
const FAILED: StoredResponse = { ok: false, error: { code: 'SEND_FAILED', message: 'WhatsApp refused the message' } };

type Settle = Extract<Claim, { kind: 'new' }>['settle'];

function expectNew(claim: Claim): Settle {
  if (claim.kind !== 'new') return expect.fail(`expected a new claim, got a replay of ${JSON.stringify(claim.response)}`);
  return claim.settle;
}

function expectReplay(claim: Claim): StoredResponse {
  if (claim.kind !== 'replay') return expect.fail('expected a replay, got a new claim');
  return claim.response;
}

describe('idempotency-store', function () {
  let dir: string;
  let file: string;
  let log: CapturedLogger;
  const opened: IdempotencyStore[] = [];

  async function open(now?: () => number): Promise<IdempotencyStore> {
    const store = await IdempotencyStore.open(file, TTL_MS, log.logger, { now });
    opened.push(store);
    return store;
  }

  // A new store on the same file, as after a restart of the service: waits for the old one's writes first.
  async function reopen(previous: IdempotencyStore, now?: () => number): Promise<IdempotencyStore> {
    await previous.flush();
    return open(now);
  }

  // Claims `key` as new and settles it at once.
  async function record(store: IdempotencyStore, key: string, response: StoredResponse, keep: boolean): Promise<void> {
    await expectNew(await store.claim(key, `fingerprint of ${key}`))(response, keep);
  }

  async function fileLines(): Promise<string[]> {
    return (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
  }

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'idempotency-store-'));
    file = path.join(dir, 'sessions', 'idempotency.jsonl');
    log = captureLogger();
  });

  afterEach(async function () {
    await Promise.all(opened.splice(0).map((store) => store.flush()));
    await rm(dir, { recursive: true, force: true });
  });

  describe('claim', function () {
    it('answers the first claim of a key as new', async function () {
      const store = await open();
      expectNew(await store.claim('k1', 'fp'));
    });

    it('replays the kept response to a repeat of a settled key', async function () {
      const store = await open();
      await record(store, 'k1', SENT, true);
      expect(expectReplay(await store.claim('k1', 'fingerprint of k1'))).to.deep.equal(SENT);
    });

    it('answers new again after a release (keep=false): nothing was sent, so the caller may retry', async function () {
      const store = await open();
      await record(store, 'k1', FAILED, false);
      expectNew(await store.claim('k1', 'fingerprint of k1'));
    });

    for (const keep of [true, false]) {
      it(`holds a concurrent repeat until the first settles, then answers it with the first's response (keep=${keep})`, async function () {
        const store = await open();
        const settle = expectNew(await store.claim('k1', 'fp'));
        const repeat = store.claim('k1', 'fp');
        expect(await settlesWithin(repeat, 30)).to.equal('pending');
        await settle(keep ? SENT : FAILED, keep);
        expect(expectReplay(await repeat)).to.deep.equal(keep ? SENT : FAILED);
      });
    }

    it('refuses a used key with a different fingerprint: IDEMPOTENCY_KEY_REUSED', async function () {
      const store = await open();
      await record(store, 'k1', SENT, true);
      const error = await rejectionOf(store.claim('k1', 'another message'));
      expect(error).to.be.instanceOf(AppError).with.property('code', 'IDEMPOTENCY_KEY_REUSED');
    });

    it('refuses a different fingerprint while the first claim is in flight, and the first still settles', async function () {
      const store = await open();
      const settle = expectNew(await store.claim('k1', 'fp'));
      const error = await rejectionOf(store.claim('k1', 'another message'));
      expect(error).to.be.instanceOf(AppError).with.property('code', 'IDEMPOTENCY_KEY_REUSED');
      await settle(SENT, true);
      expect(expectReplay(await store.claim('k1', 'fp'))).to.deep.equal(SENT);
    });
  });

  describe('disk', function () {
    it('replays kept responses from a new store opened on the same file', async function () {
      const first = await open();
      await record(first, 'sent', SENT, true);
      await record(first, 'failed', FAILED, true);
      const second = await reopen(first);
      expect(expectReplay(await second.claim('sent', 'fingerprint of sent'))).to.deep.equal(SENT);
      expect(expectReplay(await second.claim('failed', 'fingerprint of failed'))).to.deep.equal(FAILED);
    });

    it('still refuses a different fingerprint for a key after reopening', async function () {
      const first = await open();
      await record(first, 'k1', SENT, true);
      const second = await reopen(first);
      const error = await rejectionOf(second.claim('k1', 'another message'));
      expect(error).to.be.instanceOf(AppError).with.property('code', 'IDEMPOTENCY_KEY_REUSED');
    });

    it('replays a claim that was never settled (a crash mid-send) as SEND_OUTCOME_UNKNOWN', async function () {
      const first = await open();
      expectNew(await first.claim('k1', 'fp'));
      const second = await open();
      const response = expectReplay(await second.claim('k1', 'fp'));
      if (response.ok) return expect.fail('a send cut short by a crash must not replay as a success');
      expect(response.error.code).to.equal('SEND_OUTCOME_UNKNOWN');
    });

    it('forgets released keys after reopening', async function () {
      const first = await open();
      await record(first, 'k1', FAILED, false);
      const second = await reopen(first);
      expectNew(await second.claim('k1', 'fingerprint of k1'));
    });

    it('forgets keys older than ttlMs after reopening, and keeps younger ones', async function () {
      let now = 1_000_000;
      const clock = (): number => now;
      const first = await open(clock);
      await record(first, 'old', SENT, true);
      now += TTL_MS / 2;
      await record(first, 'young', SENT, true);
      now += TTL_MS / 2;
      const second = await reopen(first, clock);
      expect(await fileLines()).to.have.length(1);
      expectNew(await second.claim('old', 'fingerprint of old'));
      expect(expectReplay(await second.claim('young', 'fingerprint of young'))).to.deep.equal(SENT);
    });

    it('compacts the file on open to one line per live key', async function () {
      const first = await open();
      await record(first, 'kept', SENT, true);
      await record(first, 'released', FAILED, false);
      await record(first, 'also kept', SENT, true);
      expectNew(await first.claim('in flight', 'fp'));
      await first.flush();
      expect(await fileLines()).to.have.length(7);
      await reopen(first);
      const keys = (await fileLines()).map((line) => (JSON.parse(line) as { key: string }).key);
      expect(keys).to.have.members(['kept', 'also kept', 'in flight']).and.to.have.length(3);
    });

    it('ignores lines that are not JSON records instead of failing to open', async function () {
      const first = await open();
      await record(first, 'k1', SENT, true);
      await first.flush();
      await appendFile(file, 'not json\n{"key":"half a rec\n{"key":"k2"}\n');
      const second = await open();
      expect(expectReplay(await second.claim('k1', 'fingerprint of k1'))).to.deep.equal(SENT);
      expectNew(await second.claim('k2', 'fp'));
      const warned = log.lines().filter((line) => line.message === 'Ignored unreadable lines of the idempotency file');
      expect(warned.map((line) => [line.level, line.lines, line.file])).to.deep.equal([['warn', 3, file]]);
    });

    it('ignores a line of JSON that is null instead of failing to open', async function () {
      const first = await open();
      await record(first, 'k1', SENT, true);
      await first.flush();
      await appendFile(file, 'null\n');
      const second = await open();
      expect(expectReplay(await second.claim('k1', 'fingerprint of k1'))).to.deep.equal(SENT);
    });

    it('logs a compaction that fails, with its cause, and keeps every record on disk', async function () {
      let now = 1_000_000;
      const clock = (): number => now;
      const store = await open(clock);
      await record(store, 'kept', SENT, true);
      // Enough released keys (two lines each) to make the file worth compacting at the next sweep.
      for (let index = 0; index < 501; index += 1) await record(store, `released-${index}`, FAILED, false);
      await mkdir(`${file}.tmp`);
      now += 60_000;
      expectNew(await store.claim('k1', 'fp'));
      await store.flush();
      const logged = log.lines().filter((line) => line.level === 'error');
      expect(logged.map((line) => [line.message, line.file, line.error_code])).to.deep.equal([
        ['Could not compact the idempotency file; it keeps growing until this works', file, 'EISDIR'],
      ]);
      expect(await fileLines()).to.have.length(2 + 501 * 2 + 1);
      await rm(`${file}.tmp`, { recursive: true });
      const reopened = await reopen(store, clock);
      expect(expectReplay(await reopened.claim('kept', 'fingerprint of kept'))).to.deep.equal(SENT);
    });

    it('has every settled answer on disk once flush() resolves', async function () {
      const store = await open();
      const keys = Array.from({ length: 20 }, (_, index) => `k${index}`);
      const settles = await Promise.all(keys.map(async (key) => expectNew(await store.claim(key, 'fp'))));
      const settling = settles.map((settle) => settle(SENT, true));
      await store.flush();
      const done = (await fileLines()).filter((line) => line.includes('"kind":"done"'));
      expect(done).to.have.length(keys.length);
      await Promise.all(settling);
    });

    it('refuses a claim it cannot record on disk, and leaves the key free', async function () {
      const store = await open();
      await rm(file);
      await mkdir(file);
      const refusal = await rejectionOf(store.claim('k1', 'fp'));
      expect(refusal).to.be.instanceOf(AppError).with.property('code', 'STORAGE_UNAVAILABLE');
      expect(refusal).to.have.property('message', 'The Idempotency-Key could not be recorded (EISDIR); nothing was sent');
      expect(refusal).to.have.nested.property('cause.code', 'EISDIR');
      await rm(file, { recursive: true });
      expectNew(await store.claim('k1', 'fp'));
    });

    it('writes a released record for a refused key with the next write, so it can never read as in flight after a restart', async function () {
      const store = await open();
      await rm(file);
      await mkdir(file);
      expect(await rejectionOf(store.claim('k1', 'fp'))).to.have.property('code', 'STORAGE_UNAVAILABLE');
      expect(await rejectionOf(store.claim('k2', 'fp'))).to.have.property('code', 'STORAGE_UNAVAILABLE');
      await rm(file, { recursive: true });
      expectNew(await store.claim('k3', 'fp'));
      await store.flush();
      const kinds = (await fileLines()).map((line) => {
        const record = JSON.parse(line) as { key: string; kind: string };
        return `${record.key} ${record.kind}`;
      });
      expect(kinds).to.deep.equal(['k1 released', 'k2 released', 'k3 pending']);
    });

    it('answers a concurrent repeat that nothing was sent when the first claim cannot be recorded on disk', async function () {
      const store = await open();
      await rm(file);
      await mkdir(file);
      const first = rejectionOf(store.claim('k1', 'fp'));
      const repeat = store.claim('k1', 'fp');
      expect(await first).to.have.property('code', 'STORAGE_UNAVAILABLE');
      expect(await settlesWithin(repeat, 500)).to.equal('settled');
      expect(expectReplay(await repeat)).to.deep.equal({
        ok: false,
        error: { code: 'STORAGE_UNAVAILABLE', message: 'The Idempotency-Key could not be recorded (EISDIR); nothing was sent' },
      });
      // Nothing is kept for the key: once the disk works again, it sends.
      await rm(file, { recursive: true });
      expectNew(await store.claim('k1', 'fp'));
    });
  });
});
