// The small JSON-over-HTTP helpers both halves of the simulator's server use (the page API, the control API).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimError } from './sim-error.js';

export type JsonBody = Record<string, unknown>;

const MAX_BODY_BYTES = 1024 * 1024;

export function sendText(res: ServerResponse, contentType: string, body: string): void {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

export function fail(res: ServerResponse, err: unknown): void {
  const status = err instanceof SimError ? err.status : 500;
  const message = err instanceof Error ? err.message : String(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: message });
}

export async function readJson(req: IncomingMessage): Promise<JsonBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new SimError('wa-sim: request body too large', 413);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SimError('wa-sim: request body is not JSON', 400);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SimError('wa-sim: request body must be a JSON object', 400);
  }
  return parsed as JsonBody;
}

export function optionalString(body: JsonBody, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SimError(`wa-sim: '${name}' must be a string`, 400);
  return value;
}

export function requireString(body: JsonBody, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined) throw new SimError(`wa-sim: '${name}' is required`, 400);
  return value;
}
