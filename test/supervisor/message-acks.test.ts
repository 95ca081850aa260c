// WhatsApp's acks of sent messages reach the supervisor's onMessage as 'message' events, over the real
// worker code (in-memory workers with the fake driver): what the colleague's status store will consume.
import { writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { loadConfig } from '../../shared/config.js';
import { forgetLogin } from '../../shared/session-layout.js';
import { WorkerHost } from '../../supervisor/worker-host.js';
import type { HostEvent } from '../../supervisor/worker-process.js';
import { captureLogger } from '../support/logger.js';
import { memoryFork, type MemoryFork } from '../support/memory-fork.js';
import { driverScript, scriptedDrivers } from '../support/scripted-driver.js';

type MessageEvent = Extract<HostEvent, { kind: 'message' }>;

describe('message acks reach the supervisor', function () {
  this.timeout(10_000);
  let forks: MemoryFork;
  let host: WorkerHost;

  afterEach(async () => {
    await host?.stop();
    await forks?.close();
  });

  it('hands each ack of a sent message to onMessage: 1 at once, 2 after the delivery delay', async () => {
    const { logger } = captureLogger();
    forks = await memoryFork(scriptedDrivers(driverScript({ deliveryDelayMs: 40 })), logger);
    await writeFile(forks.layout.fakeLogin, JSON.stringify({ phone: '5491100000051', pushname: 'Test' }));
    const config = loadConfig({ CLIENTE_ID: '51', WA_DRIVER: 'fake', SHUTDOWN_GRACE_MS: '500' });
    const events: MessageEvent[] = [];
    const delivered = new Promise<void>((resolve) => {
      host = new WorkerHost({
        config,
        logger,
        fork: forks.fork,
        forgetLogin: () => forgetLogin(forks.layout, 'fake'),
        measureMemoryMb: () => 50,
        onMessage: (event) => {
          events.push(event);
          if (event.ack === 2) resolve();
        },
      });
    });
    host.start();
    while (host.snapshot().state !== 'READY') await new Promise((resolve) => setTimeout(resolve, 10));
    const { messageId } = await host.send({ to: '5491123456789', message: 'hola' });
    await delivered;
    expect(events).to.deep.equal([
      { kind: 'message', messageId, to: '5491123456789', ack: 1 },
      { kind: 'message', messageId, to: '5491123456789', ack: 2 },
    ]);
  });
});
