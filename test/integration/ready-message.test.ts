// A parent with an IPC channel (PM2 with wait_ready) hears 'ready' from the supervisor once its port answers.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { request } from '../support/http.js';
import { SUPERVISOR_ENTRY } from '../support/service-process.js';

describe('supervisor ready message', function () {
  this.timeout(20_000);

  it("sends 'ready' over its IPC channel after it listens, and still exits 0 on SIGINT", async function () {
    const sessionsDir = await mkdtemp(path.join(os.tmpdir(), 'sm-ready-'));
    const child = fork(SUPERVISOR_ENTRY, [], {
      env: { PATH: process.env.PATH ?? '', CLIENTE_ID: '51', PORT: '0', WA_DRIVER: 'fake', SESSIONS_DIR: sessionsDir },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    try {
      const message = await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message within 10 s; stdout: ${stdout.slice(-300)}`)), 10_000);
        child.once('message', (received) => {
          clearTimeout(timer);
          resolve(received);
        });
      });
      expect(message).to.equal('ready');
      const port = /"port":(\d+)/.exec(stdout)?.[1];
      expect(port, 'the Listening line came first').to.be.a('string');
      expect((await request(`http://127.0.0.1:${String(port)}/health`)).status).to.equal(200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).to.equal(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(sessionsDir, { recursive: true, force: true });
    }
  });
});
