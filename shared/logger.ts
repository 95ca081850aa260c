// One line per event on stdout, tagged with the process that wrote it: JSON for machines (PM2, files,
// pipes), a readable line for a person at a terminal (LOG_FORMAT, `auto` picks by whether stdout is one).
// The worker writes to the supervisor's stdout (inherited), so both processes pick the same way.
import winston from 'winston';
import type { LogFormat, LogLevel } from './config.js';

export type Component = 'supervisor' | 'worker';

export type Logger = winston.Logger;

export interface LoggerOptions {
  component: Component;
  clienteId: number;
  level: LogLevel;
  // `auto` when absent.
  format?: LogFormat;
  // Tests pass a stream to read the lines back; production writes to stdout.
  stream?: NodeJS.WritableStream;
  // Whether the output is a terminal: decides `auto` and colours. Defaults to stdout's isTTY.
  isTty?: boolean;
}

// What `auto` means for an output: pretty on a terminal, JSON everywhere else.
export function resolveLogFormat(format: LogFormat, isTty: boolean): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return isTty ? 'pretty' : 'json';
}

// Fields shown in the line's head (time, level, process) or not at all, rather than as key=value.
const HEAD_FIELDS = new Set(['level', 'message', 'timestamp', 'component', 'pid', 'cliente_id', 'stack']);

const LEVEL_COLOURS: Readonly<Record<string, string>> = { error: '\u001b[31m', warn: '\u001b[33m', info: '\u001b[32m', debug: '\u001b[90m' };
const RESET = '\u001b[0m';

// A value as it reads in `key=value`: bare when it is one word, JSON otherwise (quotes, objects).
function renderValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? String(value);
}

// `10:01:20.123 INFO  worker[4242] Worker started driver=fake session_dir=/srv/sessions/cliente_51`;
// a stack, when there is one, follows on indented lines.
export function formatPretty(info: Record<string, unknown>, colour = false): string {
  const time = typeof info.timestamp === 'string' ? info.timestamp.slice(11, 23) : '';
  const levelText = String(info.level).toUpperCase().padEnd(5);
  const level = colour ? `${LEVEL_COLOURS[String(info.level)] ?? ''}${levelText}${RESET}` : levelText;
  const who = info.pid === undefined ? String(info.component) : `${String(info.component)}[${String(info.pid)}]`;
  const fields = Object.entries(info)
    .filter(([key, value]) => !HEAD_FIELDS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${renderValue(value)}`);
  const line = [time, level, who, String(info.message), ...fields].filter((part) => part !== '').join(' ');
  return typeof info.stack === 'string' ? `${line}\n${info.stack.replace(/^/gm, '    ')}` : line;
}

export function createLogger(options: LoggerOptions): Logger {
  const isTty = options.isTty ?? (options.stream ? false : process.stdout.isTTY === true);
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  const shape =
    resolveLogFormat(options.format ?? 'auto', isTty) === 'pretty'
      ? winston.format.printf((info) => formatPretty(info, isTty))
      : winston.format.json();
  return winston.createLogger({
    level: options.level,
    defaultMeta: { component: options.component, cliente_id: options.clienteId, pid: process.pid },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), shape),
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
