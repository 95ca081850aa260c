// Start-up refuses bad configuration before anything is started.
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { SUPERVISOR_ENTRY } from '../support/service-process.js';

function runWith(env: Record<string, string>): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, [SUPERVISOR_ENTRY], {
    env: { PATH: process.env.PATH ?? '', WA_DRIVER: 'fake', PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('supervisor start-up', () => {
  for (const bad of ['abc', '../x', '0', '-1']) {
    it(`exits 1 naming CLIENTE_ID when it is ${JSON.stringify(bad)}, without starting anything`, () => {
      const result = runWith({ CLIENTE_ID: bad });
      expect(result.status).to.equal(1);
      expect(result.stderr).to.contain('CLIENTE_ID must be a positive integer (e.g. 51)');
      expect(result.stdout).not.to.contain('Listening');
    });
  }

  it('exits 1 when CLIENTE_ID is missing', () => {
    const result = runWith({});
    expect(result.status).to.equal(1);
    expect(result.stderr).to.contain('CLIENTE_ID is required');
  });

  it('exits 1 naming PORT when it is not a port number', () => {
    const result = runWith({ CLIENTE_ID: '51', PORT: '99999' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.match(/PORT must be an integer from 0 to 65535.*"99999"/);
  });
});
