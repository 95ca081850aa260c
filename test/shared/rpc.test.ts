import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { AppError } from '../../shared/errors.js';
import { RpcClient, serveRpc, type Handlers, type RpcClientOptions, type ServeOptions } from '../../shared/rpc.js';
import { memoryChannelPair, type MemoryChannelPair } from '../support/memory-channel.js';

type TestMethods = {
  echo: { params: { text: string }; result: { text: string } };
  refuse: { params: null; result: null };
  crash: { params: null; result: null };
  // Answers only when the test opens the gate named by `label`.
  wait: { params: { label: string }; result: { label: string } };
};

// The client knows one method more than the worker serves.
type ClientMethods = TestMethods & { missing: { params: null; result: null } };

const PATIENT = { timeoutMs: 5_000 };
const HASTY = { timeoutMs: 20 };

interface Rig {
  client: RpcClient<ClientMethods>;
  pair: MemoryChannelPair;
  // Methods whose handler ran, in order.
  ran: string[];
  handlerErrors: { method: string; error: unknown }[];
  // How many times the client built a timeout error.
  timeoutsBuilt: () => number;
  open(label: string): void;
  stop(): void;
}

const rigs: Rig[] = [];

// A client on the left end, a worker serving TestMethods on the right end.
function rig(clientOptions: Partial<RpcClientOptions> = {}, serveOptions: ServeOptions = {}): Rig {
  const pair = memoryChannelPair();
  const ran: string[] = [];
  const handlerErrors: Rig['handlerErrors'] = [];
  const gates = new Map<string, () => void>();
  let timeouts = 0;
  const handlers: Handlers<TestMethods> = {
    echo: async ({ text }) => {
      ran.push('echo');
      return { text };
    },
    refuse: async () => {
      ran.push('refuse');
      throw new AppError('SEND_FAILED', { message: 'WhatsApp could not send the message: rate limited' });
    },
    crash: async () => {
      ran.push('crash');
      throw new Error('secret stack detail: /home/worker/.wwebjs_auth');
    },
    wait: async ({ label }) => {
      ran.push('wait');
      await new Promise<void>((resolve) => gates.set(label, resolve));
      return { label };
    },
  };
  const stopServing = serveRpc(pair.right, handlers, {
    onHandlerError: (method, error) => handlerErrors.push({ method, error }),
    ...serveOptions,
  });
  const buildTimeout = clientOptions.timeoutError;
  const client = new RpcClient<ClientMethods>(pair.left, {
    maxPending: 100,
    ...clientOptions,
    timeoutError: (method, timeoutMs) => {
      timeouts += 1;
      return buildTimeout
        ? buildTimeout(method, timeoutMs)
        : new AppError('WORKER_TIMEOUT', { message: `${method} timed out after ${timeoutMs} ms` });
    },
  });
  const created: Rig = {
    client,
    pair,
    ran,
    handlerErrors,
    timeoutsBuilt: () => timeouts,
    open(label) {
      const release = gates.get(label);
      if (!release) expect.fail(`no call is waiting at gate "${label}"`);
      release();
    },
    stop() {
      for (const release of gates.values()) release();
      client.close(() => new AppError('SHUTTING_DOWN'));
      stopServing();
    },
  };
  rigs.push(created);
  return created;
}

// Attach at once so the rejection is never unhandled while the test goes on.
async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof AppError)) expect.fail(`expected an AppError rejection, got ${String(outcome)}`);
  return outcome;
}

describe('rpc', function () {
  afterEach(function () {
    const leaked = rigs.map((each) => each.client.pendingCount);
    for (const each of rigs.splice(0)) each.stop();
    expect(leaked.every((count) => count === 0), 'a test left calls pending (and their timers running)').to.equal(true);
  });

  describe('call', function () {
    it('resolves with what the worker handler returns', async function () {
      const { client } = rig();
      expect(await client.call('echo', { text: 'hola' }, PATIENT)).to.deep.equal({ text: 'hola' });
      expect(client.pendingCount).to.equal(0);
    });

    it('matches each answer to its call when the worker answers out of order', async function () {
      const { client, pair, open } = rig();
      const first = client.call('wait', { label: 'first' }, PATIENT);
      const second = client.call('wait', { label: 'second' }, PATIENT);
      await pair.idle();
      open('second');
      expect(await second).to.deep.equal({ label: 'second' });
      expect(client.pendingCount).to.equal(1);
      open('first');
      expect(await first).to.deep.equal({ label: 'first' });
    });

    it('never builds a timeout error for a call answered in time', async function () {
      const { client, timeoutsBuilt } = rig();
      await client.call('echo', { text: 'quick' }, HASTY);
      await sleep(HASTY.timeoutMs * 2);
      expect(timeoutsBuilt()).to.equal(0);
    });
  });

  describe('errors raised in the worker', function () {
    it('rejects with an AppError rebuilt with the same code and message', async function () {
      const { client } = rig();
      const error = await rejectionOf(client.call('refuse', null, PATIENT));
      expect(error.code).to.equal('SEND_FAILED');
      expect(error.status).to.equal(500);
      expect(error.message).to.equal('WhatsApp could not send the message: rate limited');
    });

    it('turns a plain Error into INTERNAL_ERROR whose text never crosses, and reports the original', async function () {
      const { client, handlerErrors } = rig();
      const error = await rejectionOf(client.call('crash', null, PATIENT));
      expect(error.code).to.equal('INTERNAL_ERROR');
      expect(error.message).to.equal('Internal error');
      expect(error.message).not.to.contain('secret');
      expect(handlerErrors).to.have.length(1);
      expect(handlerErrors[0]?.method).to.equal('crash');
      expect(String(handlerErrors[0]?.error)).to.contain('secret stack detail');
    });

    it('refuses a method the worker does not serve with INTERNAL_ERROR, naming it in the worker log only', async function () {
      const { client, ran, handlerErrors } = rig();
      const error = await rejectionOf(client.call('missing', null, PATIENT));
      expect(error.code).to.equal('INTERNAL_ERROR');
      expect(error.message).to.equal('Internal error');
      expect(String((handlerErrors[0]?.error as Error | undefined)?.message)).to.contain('"missing"');
      expect(ran).to.deep.equal([]);
    });

    it('refuses params the validate option rejects, without running the handler', async function () {
      const { client, ran } = rig(
        {},
        {
          validate: (method, params) => {
            if (method === 'echo' && JSON.stringify(params).includes('forbidden')) {
              throw new AppError('INVALID_FIELD', { message: 'text must not say forbidden' });
            }
          },
        },
      );
      const error = await rejectionOf(client.call('echo', { text: 'forbidden' }, PATIENT));
      expect(error.code).to.equal('INVALID_FIELD');
      expect(error.message).to.equal('text must not say forbidden');
      expect(ran).to.deep.equal([]);
      expect(await client.call('echo', { text: 'allowed' }, PATIENT)).to.deep.equal({ text: 'allowed' });
    });
  });

  describe('timeouts', function () {
    it('rejects with WORKER_TIMEOUT naming the method and the delay, and forgets the call', async function () {
      const { pair } = rig();
      // A client with no timeoutError option, to see the built-in error.
      const client = new RpcClient<ClientMethods>(pair.left, { maxPending: 10 });
      const error = await rejectionOf(client.call('wait', { label: 'never' }, HASTY));
      expect(error.code).to.equal('WORKER_TIMEOUT');
      expect(error.status).to.equal(504);
      expect(error.message).to.contain('"wait"').and.to.contain(`${HASTY.timeoutMs} ms`);
      expect(client.pendingCount).to.equal(0);
      client.close(() => new AppError('SHUTTING_DOWN'));
    });

    it('rejects with the error built by the timeoutError option', async function () {
      const { client } = rig({
        timeoutError: (method) => new AppError('SEND_OUTCOME_UNKNOWN', { message: `${method}: outcome unknown` }),
      });
      const error = await rejectionOf(client.call('wait', { label: 'never' }, HASTY));
      expect(error.code).to.equal('SEND_OUTCOME_UNKNOWN');
      expect(error.message).to.equal('wait: outcome unknown');
      expect(client.pendingCount).to.equal(0);
    });

    it('ignores an answer that arrives after its call timed out, while other calls still resolve', async function () {
      const { client, pair, open } = rig();
      const late = rejectionOf(client.call('wait', { label: 'late' }, HASTY));
      const onTime = client.call('wait', { label: 'on-time' }, PATIENT);
      expect((await late).code).to.equal('WORKER_TIMEOUT');
      open('late');
      await pair.idle();
      expect(client.pendingCount).to.equal(1);
      open('on-time');
      expect(await onTime).to.deep.equal({ label: 'on-time' });
    });
  });

  describe('stray input', function () {
    it('ignores answers with ids it never used', async function () {
      const { client, pair, open } = rig();
      const waiting = client.call('wait', { label: 'real' }, PATIENT);
      pair.right.post({ type: 'sm:response', id: 999, ok: true, result: { label: 'impostor' } });
      await pair.idle();
      expect(client.pendingCount).to.equal(1);
      open('real');
      expect(await waiting).to.deep.equal({ label: 'real' });
    });

    it('ignores malformed answers, and the call still gets its real one', async function () {
      const { client, pair, open } = rig();
      const waiting = client.call('wait', { label: 'real' }, PATIENT);
      const junk: unknown[] = [
        null,
        'sm:response',
        [{ type: 'sm:response', id: 1, ok: true }],
        { type: 'sm:response', id: '1', ok: true, result: 'wrong id type' },
        { type: 'sm:response', id: 1, ok: 'yes', result: 'wrong ok' },
        { type: 'sm:response', id: 1, ok: false, error: { code: 'NO_SUCH_CODE', message: 'x' } },
        { type: 'sm:response', id: 1, ok: false },
      ];
      for (const message of junk) pair.left.receive(message);
      await pair.idle();
      expect(client.pendingCount).to.equal(1);
      open('real');
      expect(await waiting).to.deep.equal({ label: 'real' });
    });

    it('leaves malformed requests unanswered and runs no handler', async function () {
      const { pair, ran } = rig();
      const seenByClientEnd: unknown[] = [];
      pair.left.subscribe((message) => seenByClientEnd.push(message));
      const junk: unknown[] = [
        undefined,
        { type: 'sm:request', id: 0, method: 'echo', params: { text: 'x' } },
        { type: 'sm:request', id: 1, method: 42 },
        { type: 'sm:event', id: 1, method: 'echo' },
      ];
      for (const message of junk) pair.right.receive(message);
      await pair.idle();
      expect(ran).to.deep.equal([]);
      expect(seenByClientEnd).to.deep.equal([]);
    });
  });

  describe('close', function () {
    it('rejects every pending call at once with the error built for its method', async function () {
      const { client, pair } = rig();
      const echo = rejectionOf(client.call('echo', { text: 'in flight' }, PATIENT));
      const wait = rejectionOf(client.call('wait', { label: 'never' }, PATIENT));
      client.close((method) => new AppError('SEND_OUTCOME_UNKNOWN', { message: `worker died during ${method}` }));
      expect(client.pendingCount).to.equal(0);
      expect(client.closed).to.equal(true);
      expect((await echo).message).to.equal('worker died during echo');
      expect((await wait).message).to.equal('worker died during wait');
      await pair.idle();
    });

    it('rejects later calls immediately without posting them', async function () {
      const { client, pair, ran } = rig();
      client.close((method) => new AppError('WORKER_UNAVAILABLE', { message: `no worker for ${method}` }));
      const error = await rejectionOf(client.call('echo', { text: 'after close' }, PATIENT));
      expect(error.code).to.equal('WORKER_UNAVAILABLE');
      expect(error.message).to.equal('no worker for echo');
      await pair.idle();
      expect(ran).to.deep.equal([]);
    });

    it('stops listening to the channel and keeps the first error on a second close', async function () {
      const { client, pair } = rig();
      const before = pair.left.listenerCount;
      client.close(() => new AppError('WORKER_UNAVAILABLE'));
      client.close(() => new AppError('SHUTTING_DOWN'));
      expect(pair.left.listenerCount).to.equal(before - 1);
      expect((await rejectionOf(client.call('echo', { text: 'x' }, PATIENT))).code).to.equal('WORKER_UNAVAILABLE');
    });

    it('never builds a timeout error for a call it rejected', async function () {
      const { client, timeoutsBuilt } = rig();
      const pending = rejectionOf(client.call('wait', { label: 'never' }, HASTY));
      client.close(() => new AppError('WORKER_UNAVAILABLE'));
      expect((await pending).code).to.equal('WORKER_UNAVAILABLE');
      await sleep(HASTY.timeoutMs * 2);
      expect(timeoutsBuilt()).to.equal(0);
    });
  });

  describe('back-pressure and transport failures', function () {
    it('refuses a call beyond maxPending with WORKER_BUSY and Retry-After, without posting it', async function () {
      const { client, pair, ran, open } = rig({ maxPending: 2 });
      const first = client.call('wait', { label: 'a' }, PATIENT);
      const second = client.call('wait', { label: 'b' }, PATIENT);
      const error = await rejectionOf(client.call('echo', { text: 'one too many' }, PATIENT));
      expect(error.code).to.equal('WORKER_BUSY');
      expect(error.status).to.equal(503);
      expect(error.headers).to.deep.equal({ 'Retry-After': '1' });
      await pair.idle();
      expect(ran).to.deep.equal(['wait', 'wait']);
      open('a');
      await first;
      expect(await client.call('echo', { text: 'room again' }, PATIENT)).to.deep.equal({ text: 'room again' });
      open('b');
      await second;
    });

    it('rejects with WORKER_UNAVAILABLE when the channel refuses the message, and forgets the call', async function () {
      const { client, pair } = rig();
      pair.left.disconnect();
      const error = await rejectionOf(client.call('echo', { text: 'nobody there' }, PATIENT));
      expect(error.code).to.equal('WORKER_UNAVAILABLE');
      expect(error.message).to.contain('"echo"');
      expect(String(error.cause)).to.contain('closed');
      expect(client.pendingCount).to.equal(0);
    });

    it('reports an answer the worker can no longer post instead of throwing', async function () {
      const { client, pair, handlerErrors, open } = rig();
      const abandoned = rejectionOf(client.call('wait', { label: 'orphan' }, HASTY));
      await pair.idle();
      pair.right.disconnect();
      open('orphan');
      expect((await abandoned).code).to.equal('WORKER_TIMEOUT');
      expect(handlerErrors.map((each) => each.method)).to.deep.equal(['wait']);
      expect(String(handlerErrors[0]?.error)).to.contain('closed');
    });
  });
});
