// A real winston logger whose JSON lines are kept in memory for assertions.
import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '../../shared/logger.js';

export interface CapturedLogger {
  logger: Logger;
  lines: () => Record<string, unknown>[];
}

export function captureLogger(level: 'debug' | 'info' = 'debug'): CapturedLogger {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger = createLogger({ component: 'supervisor', clienteId: 51, level, stream });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
