// One JSON line per event on stdout, tagged with the process that wrote it.
import winston from 'winston';
import type { LogLevel } from './config.js';

export type Component = 'supervisor' | 'worker';

export type Logger = winston.Logger;

export interface LoggerOptions {
  component: Component;
  clienteId: number;
  level: LogLevel;
  // Tests pass a stream to read the lines back; production writes to stdout.
  stream?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level,
    defaultMeta: { component: options.component, cliente_id: options.clienteId, pid: process.pid },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [transport],
  });
}

// Error details for a log line: message, code and the chain of causes, never the raw object.
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const detail: Record<string, unknown> = { error: error.message, error_name: error.name };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') detail.error_code = code;
  if (error.stack) detail.stack = error.stack;
  if (error.cause !== undefined) detail.cause = describeError(error.cause);
  return detail;
}
