// Reads what the fake driver "sent" (its outbox file in the session folder).
import { readFile } from 'node:fs/promises';
import { sessionLayout } from '../../shared/session-layout.js';
import type { ServiceProcess } from './service-process.js';

export async function outboxLines(service: Pick<ServiceProcess, 'sessionsDir'>, clienteId = 51): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await readFile(sessionLayout({ sessionsDir: service.sessionsDir, clienteId }).fakeOutbox, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
