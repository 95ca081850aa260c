import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { rejectionOf, settlesWithin } from '../support/promises.js';
import { AppError, type ErrorCode } from '../../shared/errors.js';
import { SendQueue } from '../../supervisor/send-queue.js';

const INTERVAL_MS = 40;

interface Gate {
  promise: Promise<void>;
  open: () => void;
}

// A promise the test resolves when it chooses: a job that runs until the test lets it finish.
function gate(): Gate {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function expectAppError(error: unknown, code: ErrorCode): AppError {
  if (!(error instanceof AppError)) return expect.fail(`expected an AppError ${code}, got ${String(error)}`);
  expect(error.code).to.equal(code);
  return error;
}

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

// Jobs that log when they start and end, so overlapping or reordered runs show up in `events`.
function recorder() {
  const events: string[] = [];
  const startedAt = new Map<string, number>();
  const endedAt = new Map<string, number>();
  const job =
    (name: string, durationMs = 0) =>
    async (): Promise<string> => {
      startedAt.set(name, performance.now());
      events.push(`start ${name}`);
      await sleep(durationMs);
      events.push(`end ${name}`);
      endedAt.set(name, performance.now());
      return name;
    };
  const at = (times: Map<string, number>, name: string): number => times.get(name) ?? expect.fail(`${name} never ran`);
  return {
    events,
    job,
    started: (name: string) => at(startedAt, name),
    ended: (name: string) => at(endedAt, name),
    ran: (name: string) => startedAt.has(name),
  };
}

// A queue with one job running until `running.open()` and `waiting` jobs behind it.
function busyQueue(maxQueued: number, waiting: number) {
  const queue = new SendQueue({ maxQueued, minIntervalMs: 0 });
  const running = gate();
  const first = queue.push(() => running.promise.then(() => 'running'));
  const queued = Array.from({ length: waiting }, (_, index) => queue.push(async () => `waiting ${index}`));
  return { queue, running, first, queued };
}

describe('send-queue', function () {
  describe('order', function () {
    it('runs jobs one at a time, in the order they were pushed, even when later ones are quicker', async function () {
      const queue = new SendQueue({ maxQueued: 10, minIntervalMs: 0 });
      const { events, job } = recorder();
      const results = await Promise.all([
        queue.push(job('a', 30)),
        queue.push(job('b', 5)),
        queue.push(job('c', 15)),
        queue.push(job('d', 0)),
      ]);
      expect(results).to.deep.equal(['a', 'b', 'c', 'd']);
      expect(events).to.deep.equal(['start a', 'end a', 'start b', 'end b', 'start c', 'end c', 'start d', 'end d']);
    });

    it('rejects only the caller of a failing job and goes on with the next ones', async function () {
      const queue = new SendQueue({ maxQueued: 10, minIntervalMs: 0 });
      const { events, job } = recorder();
      const failure = new Error('WhatsApp refused b');
      const a = queue.push(job('a', 5));
      const b = queue.push(async () => {
        events.push('start b');
        await sleep(5);
        throw failure;
      });
      const c = queue.push(job('c', 5));
      expect(await rejectionOf(b)).to.equal(failure);
      expect(await Promise.all([a, c])).to.deep.equal(['a', 'c']);
      expect(events).to.deep.equal(['start a', 'end a', 'start b', 'start c', 'end c']);
    });

    it('goes on with the next jobs after a job that throws instead of returning a rejected promise', async function () {
      const queue = new SendQueue({ maxQueued: 10, minIntervalMs: 0 });
      const failure = new Error('thrown synchronously');
      const throwing = queue.push((): Promise<string> => {
        throw failure;
      });
      const next = queue.push(async () => 'next');
      expect(await rejectionOf(throwing)).to.equal(failure);
      expect(await settlesWithin(next, 500)).to.equal('settled');
      expect(await next).to.equal('next');
    });
  });

  describe('minIntervalMs', function () {
    it('spaces the starts of consecutive jobs at least minIntervalMs apart, without waiting much longer', async function () {
      const queue = new SendQueue({ maxQueued: 10, minIntervalMs: INTERVAL_MS });
      const { job, started } = recorder();
      const names = ['a', 'b', 'c', 'd'];
      await Promise.all(names.map((name) => queue.push(job(name))));
      const gaps = names.slice(1).map((name, index) => started(name) - started(names[index] ?? 'a'));
      for (const gap of gaps) {
        expect(gap).to.be.at.least(INTERVAL_MS);
        expect(gap).to.be.below(2 * INTERVAL_MS);
      }
    });

    it('starts the first job at once', async function () {
      const queue = new SendQueue({ maxQueued: 10, minIntervalMs: 1_000 });
      const { job, started } = recorder();
      const pushedAt = performance.now();
      await queue.push(job('a'));
      expect(started('a') - pushedAt).to.be.below(50);
    });

    it('starts a job at once when the previous one started more than minIntervalMs ago', async function () {
      const queue = new SendQueue({ maxQueued: 10, minIntervalMs: INTERVAL_MS });
      const { job, started } = recorder();
      await queue.push(job('a'));
      await sleep(INTERVAL_MS + 20);
      const pushedAt = performance.now();
      await queue.push(job('b'));
      expect(started('b') - pushedAt).to.be.below(INTERVAL_MS / 2);
    });

    it('counts the interval from the start of a job, not its end: after a long job the next starts at once', async function () {
      const queue = new SendQueue({ maxQueued: 10, minIntervalMs: INTERVAL_MS });
      const { job, started, ended } = recorder();
      await Promise.all([queue.push(job('slow', 2 * INTERVAL_MS)), queue.push(job('next'))]);
      expect(started('next') - ended('slow')).to.be.below(INTERVAL_MS / 2);
    });
  });

  describe('maxQueued', function () {
    it('refuses a push with 429 QUEUE_FULL and a Retry-After in whole seconds when maxQueued jobs are waiting', async function () {
      const { queue, running, first, queued } = busyQueue(2, 2);
      expect(queue.waiting).to.equal(2);
      const { job, ran } = recorder();
      const error = expectAppError(await rejectionOf(queue.push(job('refused'))), 'QUEUE_FULL');
      expect(error.status).to.equal(429);
      expect(error.headers['Retry-After']).to.match(/^[1-9][0-9]*$/);
      running.open();
      expect(await Promise.all([first, ...queued])).to.deep.equal(['running', 'waiting 0', 'waiting 1']);
      expect(ran('refused')).to.equal(false);
    });

    it('does not count the running job as waiting', async function () {
      const { queue, running, first, queued } = busyQueue(1, 1);
      expect(queue.waiting).to.equal(1);
      expectAppError(await rejectionOf(queue.push(async () => 'refused')), 'QUEUE_FULL');
      running.open();
      expect(await Promise.all([first, ...queued])).to.deep.equal(['running', 'waiting 0']);
    });

    it('accepts jobs again once the waiting ones have started', async function () {
      const { queue, running, first, queued } = busyQueue(1, 1);
      running.open();
      await Promise.all([first, ...queued]);
      expect(await queue.push(async () => 'later')).to.equal('later');
    });
  });

  describe('close', function () {
    it('rejects the waiting jobs at once with the given error, without running them', async function () {
      const { queue, running, first, queued } = busyQueue(10, 2);
      const shutdown = new AppError('SHUTTING_DOWN');
      queue.close(shutdown);
      const errors = await Promise.all(queued.map((promise) => rejectionOf(promise)));
      expect(errors).to.deep.equal([shutdown, shutdown]);
      expect(await settlesWithin(first, 20)).to.equal('pending');
      running.open();
    });

    it('lets the running job finish and resolve its caller', async function () {
      const { queue, running, first, queued } = busyQueue(10, 1);
      queue.close(new AppError('SHUTTING_DOWN'));
      await rejectionOf(queued[0] ?? Promise.resolve());
      running.open();
      expect(await first).to.equal('running');
    });

    it('refuses later pushes with the same error, without running them', async function () {
      const queue = new SendQueue({ maxQueued: 10, minIntervalMs: 0 });
      const shutdown = new AppError('SHUTTING_DOWN');
      queue.close(shutdown);
      const { job, ran } = recorder();
      expect(await rejectionOf(queue.push(job('late')))).to.equal(shutdown);
      expect(ran('late')).to.equal(false);
    });

    it('clears the interval timer, so a closed queue never keeps the process alive', async function () {
      const queue = new SendQueue({ maxQueued: 10, minIntervalMs: 60_000 });
      await queue.push(async () => 'first');
      // The second job now waits a minute on the queue's timer.
      const second = rejectionOf(queue.push(async () => 'second'));
      await sleep(5);
      const before = activeTimers();
      queue.close(new AppError('SHUTTING_DOWN'));
      expect(activeTimers()).to.equal(before - 1);
      expectAppError(await second, 'SHUTTING_DOWN');
    });
  });
});
