// Reads what the fake driver "sent" (its outbox file in the session folder).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FAKE_OUTBOX_FILE } from '../../worker/drivers/fake.js';
import type { ServiceProcess } from './service-process.js';

export async function outboxLines(service: Pick<ServiceProcess, 'sessionsDir'>, clienteId = 51): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await readFile(path.join(service.sessionsDir, `cliente_${clienteId}`, FAKE_OUTBOX_FILE), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
