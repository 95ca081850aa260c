// PM2: one session-manager (supervisor) per tenant, named session-manager-<id>. After `npm ci && npm run build`:
//   pm2 start ecosystem.config.cjs
// The tenants come from tenants.json next to this file (copy tenants.example.json; TENANTS_FILE names another
// file): [{"id": 51, "port": 3001}, {"id": 52, "port": 3002, "env": {"API_TOKEN": "..."}}]. Without that file,
// the one tenant CLIENTE_ID (and PORT) of the environment. Settings for every tenant (HOST, SESSIONS_DIR,
// LOG_LEVEL...) come from the environment `pm2 start` runs in; a tenant's "env" overrides them.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// A stop, when everything is stuck, takes SHUTDOWN_GRACE_MS plus this (shared/timings.ts, stopBoundMs; a
// test checks the two agree). PM2 must not SIGKILL the supervisor before: the browser may still be flushing
// the saved login to disk.
const STOP_BOUND_BEYOND_GRACE_MS = 34000;
// Room on a busy host (`pm2 stop all` stops dozens of tenants at once).
const KILL_TIMEOUT_MARGIN_MS = 5000;
const DEFAULT_SHUTDOWN_GRACE_MS = 10000;

const TENANTS_FILE = path.resolve(process.env.TENANTS_FILE || path.join(__dirname, 'tenants.json'));

function fail(why) {
  throw new Error(`ecosystem.config.cjs: ${why}`);
}

// One tenant of the file, checked: a positive integer id (it names the session folder), a port, an env of strings.
function checkTenant(tenant, index) {
  const where = `${TENANTS_FILE}, entry ${index}`;
  if (tenant === null || typeof tenant !== 'object' || Array.isArray(tenant)) fail(`${where} must be an object like {"id": 51, "port": 3001}`);
  const id = String(tenant.id);
  if (!/^[1-9]\d*$/.test(id)) fail(`${where}: "id" must be a positive integer (e.g. 51), got ${JSON.stringify(tenant.id)}`);
  const port = Number(tenant.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${where}: "port" must be an integer from 1 to 65535, got ${JSON.stringify(tenant.port)}`);
  const env = tenant.env === undefined ? {} : tenant.env;
  if (env === null || typeof env !== 'object' || Array.isArray(env) || !Object.values(env).every((value) => typeof value === 'string')) {
    fail(`${where}: "env" must be an object of strings (e.g. {"API_TOKEN": "..."})`);
  }
  return { id, port: String(port), env };
}

function readTenantsFile() {
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(TENANTS_FILE, 'utf8'));
  } catch (error) {
    fail(`cannot read ${TENANTS_FILE}: ${error.message}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) fail(`${TENANTS_FILE} must be a non-empty JSON array of tenants`);
  const tenants = parsed.map(checkTenant);
  for (const key of ['id', 'port']) {
    const seen = new Set();
    for (const tenant of tenants) {
      if (seen.has(tenant[key])) fail(`${TENANTS_FILE}: ${key} ${tenant[key]} appears twice`);
      seen.add(tenant[key]);
    }
  }
  return tenants;
}

function readTenants() {
  if (process.env.TENANTS_FILE || fs.existsSync(TENANTS_FILE)) return readTenantsFile();
  const id = process.env.CLIENTE_ID;
  if (!id) fail(`no tenants: create ${TENANTS_FILE} (see tenants.example.json) or set CLIENTE_ID (and PORT)`);
  return [{ id, port: process.env.PORT, env: {} }];
}

// PM2's kill_timeout for a tenant: its whole stop bound, plus a margin.
function killTimeoutMs(env) {
  const raw = env.SHUTDOWN_GRACE_MS || process.env.SHUTDOWN_GRACE_MS;
  const graceMs = raw && /^\d+$/.test(raw) ? Number(raw) : DEFAULT_SHUTDOWN_GRACE_MS;
  return graceMs + STOP_BOUND_BEYOND_GRACE_MS + KILL_TIMEOUT_MARGIN_MS;
}

function app(tenant) {
  return {
    name: `session-manager-${tenant.id}`,
    script: 'dist/supervisor/main.js',
    cwd: __dirname,
    exec_mode: 'fork',
    // One log file per tenant, without PM2's -<pm_id> suffix: ~/.pm2/logs/session-manager-<id>-out.log.
    merge_logs: true,
    env: { ...tenant.env, CLIENTE_ID: tenant.id, ...(tenant.port ? { PORT: tenant.port } : {}) },
    // Online once the port answers: the supervisor sends 'ready' from its listen callback.
    wait_ready: true,
    listen_timeout: 10000,
    // Only the supervisor gets PM2's SIGINT: it lets sends in flight finish, has the worker close the browser
    // politely and exits 0 once both are gone. PM2's tree kill would signal Chromium and the worker first.
    treekill: false,
    kill_timeout: killTimeoutMs(tenant.env),
    // The supervisor itself restarts only after a crash (a bug): after 1 s, then 1.5x longer each time, at
    // most 15 s, back to 1 s after 30 s up. Its exit 0 (SIGINT/SIGTERM) is a stop, not a crash. No
    // max_memory_restart: the supervisor recycles its worker at MEMORY_LIMIT_MB itself, port kept up.
    autorestart: true,
    exp_backoff_restart_delay: 1000,
    stop_exit_codes: [0],
    watch: false,
  };
}

module.exports = { apps: readTenants().map(app) };
