// ipcChannel over a real forked child (test/fixtures/ipc-echo.ts) speaking through ipcChannel(process).
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ipcChannel } from '../../shared/ipc-channel.js';
import type { RequestMessage, ResponseMessage } from '../../shared/protocol.js';
import type { Channel } from '../../shared/rpc.js';

const ECHO = fileURLToPath(new URL('../fixtures/ipc-echo.js', import.meta.url));

function request(id: number, params: unknown, method = 'echo'): RequestMessage {
  return { type: 'sm:request', id, method, params };
}

// Messages the channel delivers, and a way to wait for the n-th.
function collect(channel: Channel): { messages: unknown[]; next: (count: number) => Promise<unknown[]>; stop: () => void } {
  const messages: unknown[] = [];
  const waiters: (() => void)[] = [];
  const stop = channel.subscribe((message) => {
    messages.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  const next = async (count: number): Promise<unknown[]> => {
    while (messages.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return messages.slice(0, count);
  };
  return { messages, next, stop };
}

// Blocks this thread (no event loop turn, so Node does not learn of it) until the process has exited.
function waitDeadSync(pid: number): void {
  const deadline = Date.now() + 5000;
  for (;;) {
    let state: string | undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    } catch {
      return;
    }
    if (state === 'Z' || Date.now() > deadline) return;
  }
}

describe('ipc-channel', function () {
  let child: ChildProcess;
  let sendErrors: Error[];
  let channel: Channel;

  beforeEach(async function () {
    child = fork(ECHO, [], { serialization: 'json', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    sendErrors = [];
    channel = ipcChannel(child, (error) => sendErrors.push(error));
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  });

  afterEach(async function () {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  });

  it("carries a request to the child and the child's answer back, as plain JSON", async function () {
    const received = collect(channel);
    channel.post(request(1, { text: 'hola ñ 👍', list: [1, null, true] }));
    const [answer] = await received.next(1);
    const expected: ResponseMessage = { type: 'sm:response', id: 1, ok: true, result: { echo: { text: 'hola ñ 👍', list: [1, null, true] }, pid: child.pid } };
    expect(answer).to.deep.equal(expected);
    expect(sendErrors).to.deep.equal([]);
  });

  it('delivers 200 messages each way in the order they were posted', async function () {
    const received = collect(channel);
    for (let id = 1; id <= 200; id += 1) channel.post(request(id, id));
    const answers = (await received.next(200)) as { id: number }[];
    expect(answers.map((answer) => answer.id)).to.deep.equal(Array.from({ length: 200 }, (_, index) => index + 1));
  });

  it('stops calling a listener once it unsubscribes; the others still get every message', async function () {
    const leaving = collect(channel);
    const staying = collect(channel);
    channel.post(request(1, 'first'));
    await leaving.next(1);
    leaving.stop();
    channel.post(request(2, 'second'));
    await staying.next(2);
    expect(leaving.messages).to.have.length(1);
  });

  it('throws "The IPC channel is closed" on a post after the child closed its side', async function () {
    const disconnected = new Promise((resolve) => child.once('disconnect', resolve));
    channel.post(request(1, null, 'disconnect'));
    await disconnected;
    expect(() => channel.post(request(2, null))).to.throw('The IPC channel is closed');
  });

  it('throws at once for a message JSON cannot carry, and the channel stays usable', async function () {
    const received = collect(channel);
    expect(() => channel.post(request(1, 10n))).to.throw(TypeError);
    channel.post(request(2, 'after'));
    expect(((await received.next(1))[0] as { id: number }).id).to.equal(2);
  });

  it('reports a send that fails after it was handed over (the child died) to onSendError, without throwing', async function () {
    const disconnected = new Promise((resolve) => child.once('disconnect', resolve));
    child.kill('SIGKILL');
    waitDeadSync(child.pid as number);
    // Node has not seen the death yet: the channel still looks open, and the write fails later.
    expect(() => channel.post(request(1, 'too late'))).not.to.throw();
    await disconnected;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sendErrors.map((error) => (error as NodeJS.ErrnoException).code)).to.deep.equal(['EPIPE']);
  });
});
