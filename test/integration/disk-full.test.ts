// A disk that fills while the service runs (the real supervisor and worker, fake driver): the idempotency
// file is swapped for /dev/full, where every write fails with ENOSPC. A send whose key cannot be recorded
// is refused and nothing is sent; /health says why; once the file can be written again, it recovers by itself.
import { readFile, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { postJson, request, type JsonResponse } from '../support/http.js';
import { outboxLines } from '../support/outbox.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

const SEND = { cliente_id: 51, to: '5491123456789', message: 'una sola vez' };

function sendWithKey(service: ServiceProcess, key: string): Promise<JsonResponse> {
  return postJson(`${service.url}/send`, SEND, { 'idempotency-key': key });
}

async function storageOf(service: ServiceProcess): Promise<{ writable: boolean; error: Record<string, unknown> | null }> {
  return (await request(`${service.url}/health`)).body.storage as { writable: boolean; error: Record<string, unknown> | null };
}

describe('a disk that fills while the service runs', function () {
  this.timeout(40_000);
  let service: ServiceProcess | undefined;

  before(function () {
    if (process.platform !== 'linux') this.skip();
  });

  afterEach(async () => {
    await service?.stop('SIGTERM').catch(() => undefined);
    await service?.cleanup();
    service = undefined;
  });

  it('refuses a keyed send it cannot record (503, nothing sent), shows why in /health, and recovers once space is back', async () => {
    const running = await startService({ env: { FAKE_SCAN_DELAY_MS: '0' } });
    service = running;
    await running.waitForState('READY');
    expect(await storageOf(running)).to.deep.equal({ writable: true, error: null });
    const before = await sendWithKey(running, 'order-1');
    expect(before.status).to.equal(200);

    const file = path.join(running.sessionsDir, 'cliente_51', 'idempotency.jsonl');
    const kept = `${file}.kept`;
    await rename(file, kept);
    await symlink('/dev/full', file);

    const refused = await sendWithKey(running, 'order-2');
    expect([refused.status, refused.body.code, refused.headers.get('retry-after')]).to.deep.equal([503, 'STORAGE_UNAVAILABLE', '5']);
    expect(refused.body.message).to.equal('The Idempotency-Key could not be recorded (ENOSPC); nothing was sent');
    const storage = await storageOf(running);
    expect(storage.writable).to.equal(false);
    expect(storage.error).to.include({ file, code: 'ENOSPC' });
    // The repeat of a key answered before the disk filled still replays from memory; nothing new went out.
    const repeat = await sendWithKey(running, 'order-1');
    expect([repeat.status, repeat.body.message_id, repeat.headers.get('idempotent-replayed')]).to.deep.equal([200, before.body.message_id, 'true']);
    expect((await outboxLines(running)).map((line) => line.message_id)).to.deep.equal([before.body.message_id]);

    // Space is back: the file is writable again and the probe clears the report without any send.
    await rm(file);
    await rename(kept, file);
    const deadline = Date.now() + 8000;
    while (!(await storageOf(running)).writable && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await storageOf(running)).to.deep.equal({ writable: true, error: null });
    expect(running.logs().some((line) => line.message === 'A file of the tenant can be written again' && line.file === file)).to.equal(true);

    const after = await sendWithKey(running, 'order-2');
    expect(after.status).to.equal(200);
    expect((await outboxLines(running)).map((line) => line.message_id)).to.deep.equal([before.body.message_id, after.body.message_id]);
    // Recorded for good: after a restart the key replays instead of sending again.
    expect(await running.stop('SIGTERM')).to.equal(0);
    const text = await readFile(file, 'utf8');
    expect(text).to.include('"key":"order-2"');
    const restarted = await startService({ env: { FAKE_SCAN_DELAY_MS: '0' }, sessionsDir: running.sessionsDir });
    service = restarted;
    await restarted.waitForState('READY');
    const replayed = await sendWithKey(restarted, 'order-2');
    expect([replayed.status, replayed.body.message_id, replayed.headers.get('idempotent-replayed')]).to.deep.equal([200, after.body.message_id, 'true']);
  });
});
