// What ecosystem.config.cjs gives PM2 for each way an operator sets the tenants: read in a fresh Node
// process each time, as PM2 reads it (it looks at the environment and the files when loaded).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { stopBoundMs } from '../../shared/timings.js';

const run = promisify(execFile);
const ECOSYSTEM = fileURLToPath(new URL('../../../ecosystem.config.cjs', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../tenants.example.json', import.meta.url));

interface PmApp {
  name: string;
  script: string;
  cwd: string;
  env: Record<string, string>;
  wait_ready: boolean;
  kill_timeout: number;
  treekill: boolean;
  autorestart: boolean;
  exp_backoff_restart_delay: number;
  stop_exit_codes: number[];
  max_memory_restart?: unknown;
}

const LOAD = `process.stdout.write(JSON.stringify(require(${JSON.stringify(ECOSYSTEM)})))`;

async function load(env: Record<string, string>): Promise<PmApp[]> {
  const { stdout } = await run(process.execPath, ['-e', LOAD], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 });
  return (JSON.parse(stdout) as { apps: PmApp[] }).apps;
}

async function loadError(env: Record<string, string>): Promise<string> {
  try {
    await load(env);
  } catch (error) {
    return String((error as { stderr?: unknown }).stderr);
  }
  return expect.fail('expected the ecosystem file to refuse this');
}

describe('ecosystem.config.cjs', function () {
  let dir: string;
  let tenantsFile: string;

  before(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sm-ecosystem-'));
    tenantsFile = path.join(dir, 'tenants.json');
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts the tenant CLIENTE_ID/PORT of the environment when no tenants file is there', async function () {
    // An operator's own tenants.json in this checkout is what PM2 would read instead.
    if (existsSync(path.join(path.dirname(ECOSYSTEM), 'tenants.json'))) this.skip();
    const apps = await load({ CLIENTE_ID: '51', PORT: '3005', TENANTS_FILE: '' });
    expect(apps.map((app) => [app.name, app.env])).to.deep.equal([['session-manager-51', { CLIENTE_ID: '51', PORT: '3005' }]]);
    expect(apps[0]?.script).to.equal('dist/supervisor/main.js');
    expect(apps[0]?.cwd).to.equal(path.dirname(ECOSYSTEM));
  });

  it('says what to do when there is neither a tenants file nor CLIENTE_ID', async function () {
    expect(await loadError({})).to.match(/no tenants: create .*tenants\.json \(see tenants\.example\.json\) or set CLIENTE_ID/);
  });

  it('makes one app per tenant of the file, named session-manager-<id>, with its port and its own env', async function () {
    await writeFile(tenantsFile, JSON.stringify([{ id: 51, port: 3001 }, { id: '52', port: 3002, env: { API_TOKEN: 'abc', CLIENTE_ID: '99' } }]));
    const apps = await load({ TENANTS_FILE: tenantsFile, CLIENTE_ID: '7' });
    expect(apps.map((app) => [app.name, app.env])).to.deep.equal([
      ['session-manager-51', { CLIENTE_ID: '51', PORT: '3001' }],
      // The entry's id wins over a CLIENTE_ID in its env, or in the environment.
      ['session-manager-52', { API_TOKEN: 'abc', CLIENTE_ID: '52', PORT: '3002' }],
    ]);
  });

  it('reads the example file: ten tenants on ten ports', async function () {
    const apps = await load({ TENANTS_FILE: EXAMPLE });
    expect(apps).to.have.length(10);
    expect(new Set(apps.map((app) => app.env.PORT)).size).to.equal(10);
  });

  const refusals: [string, unknown, RegExp][] = [
    ['an id that is not a positive integer', [{ id: '../x', port: 3001 }], /entry 0: "id" must be a positive integer/],
    ['a port out of range', [{ id: 51, port: 70000 }], /entry 0: "port" must be an integer from 1 to 65535/],
    ['an env that is not strings', [{ id: 51, port: 3001, env: { PORT: 1 } }], /"env" must be an object of strings/],
    ['the same id twice', [{ id: 51, port: 3001 }, { id: 51, port: 3002 }], /id 51 appears twice/],
    ['the same port twice', [{ id: 51, port: 3001 }, { id: 52, port: 3001 }], /port 3001 appears twice/],
    ['an empty list', [], /must be a non-empty JSON array/],
  ];
  for (const [what, content, message] of refusals) {
    it(`refuses a tenants file with ${what}, naming the file`, async function () {
      await writeFile(tenantsFile, JSON.stringify(content));
      const stderr = await loadError({ TENANTS_FILE: tenantsFile });
      expect(stderr).to.match(message);
      expect(stderr).to.contain(tenantsFile);
    });
  }

  it('refuses a tenants file that is not JSON, naming it', async function () {
    await writeFile(tenantsFile, '{not json');
    expect(await loadError({ TENANTS_FILE: tenantsFile })).to.match(/cannot read .*tenants\.json/);
  });

  it('lets PM2 SIGKILL the supervisor only after its whole stop bound, for the default and a tenant grace period', async function () {
    await writeFile(tenantsFile, JSON.stringify([{ id: 51, port: 3001 }, { id: 52, port: 3002, env: { SHUTDOWN_GRACE_MS: '30000' } }]));
    const [first, second] = await load({ TENANTS_FILE: tenantsFile });
    expect(first?.kill_timeout).to.be.above(stopBoundMs(10_000));
    expect(second?.kill_timeout).to.be.above(stopBoundMs(30_000));
    const [fromEnv] = await load({ CLIENTE_ID: '51', SHUTDOWN_GRACE_MS: '0' });
    expect(fromEnv?.kill_timeout).to.be.above(stopBoundMs(0)).and.below(stopBoundMs(10_000));
  });

  it('waits for ready, signals only the supervisor, restarts only crashes with backoff, never by memory', async function () {
    const [app] = await load({ CLIENTE_ID: '51' });
    expect(app).to.include({ wait_ready: true, treekill: false, autorestart: true, exp_backoff_restart_delay: 1000 });
    expect(app?.stop_exit_codes).to.deep.equal([0]);
    expect(app).not.to.have.property('max_memory_restart');
  });
});
