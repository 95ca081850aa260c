import path from 'node:path';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { expect } from 'chai';
import { loadConfig } from '../../shared/config.js';
import { forgetLogin, sessionLayout } from '../../shared/session-layout.js';

describe('session-layout', function () {
  it("puts everything of a tenant in cliente_<id> inside SESSIONS_DIR", function () {
    const layout = sessionLayout(loadConfig({ CLIENTE_ID: '51', SESSIONS_DIR: 'state' }, '/srv'));
    expect(layout.dir).to.equal(path.join('/srv', 'state', 'cliente_51'));
    for (const file of [layout.profile, layout.webCache, layout.idempotencyFile, layout.messageStatusFile, layout.webhookOutbox, layout.fakeLogin, layout.fakeOutbox]) {
      expect(path.dirname(file)).to.equal(layout.dir);
    }
    expect(sessionLayout({ sessionsDir: '/data', clienteId: 7 }).dir).to.equal(path.join('/data', 'cliente_7'));
  });

  it('puts the Chromium profile where LocalAuth without a clientId keeps it (<dataPath>/session)', function () {
    expect(path.basename(sessionLayout({ sessionsDir: '/data', clienteId: 7 }).profile)).to.equal('session');
  });

  it("forgetLogin deletes only the driver's own saved login, and keeps the rest of the folder", async function () {
    const sessionsDir = await mkdtemp(path.join(os.tmpdir(), 'sm-layout-'));
    try {
      const layout = sessionLayout({ sessionsDir, clienteId: 51 });
      await mkdir(path.join(layout.profile, 'Default'), { recursive: true });
      await writeFile(path.join(layout.profile, 'Default', 'Cookies'), 'x');
      await writeFile(layout.fakeLogin, '{}');
      await writeFile(layout.idempotencyFile, '');
      await forgetLogin(layout, 'fake');
      expect([existsSync(layout.fakeLogin), existsSync(layout.profile), existsSync(layout.idempotencyFile)]).to.deep.equal([false, true, true]);
      await forgetLogin(layout, 'whatsapp-web.js');
      expect([existsSync(layout.profile), existsSync(layout.idempotencyFile)]).to.deep.equal([false, true]);
      await forgetLogin(layout, 'whatsapp-web.js');
    } finally {
      await rm(sessionsDir, { recursive: true, force: true });
    }
  });
});
