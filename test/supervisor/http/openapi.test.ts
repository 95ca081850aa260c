// GET /openapi.json against what the service really does: the router's routes, the error catalogue, and
// which routes are public. A route or a code added without its description fails here.
import { expect } from 'chai';
import type Koa from 'koa';
import { ERRORS } from '../../../shared/errors.js';
import { createApp } from '../../../supervisor/http/app.js';
import { OPENAPI } from '../../../supervisor/http/openapi.js';
import { ServiceMetrics } from '../../../supervisor/metrics.js';
import { request, serve, type TestServer } from '../../support/http.js';
import { captureLogger } from '../../support/logger.js';
import { SessionStandIn } from '../../support/session-stand-in.js';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];
const DOC = JSON.parse(JSON.stringify(OPENAPI)) as Json;

// Every optional route on: /metrics too.
function app(apiToken?: string): Koa {
  const service = new SessionStandIn();
  const metrics = new ServiceMetrics({ clienteId: 51, queueDepth: () => 0 }).registry;
  return createApp({ clienteId: 51, apiToken, service, sender: service, logger: captureLogger().logger, metrics });
}

// "GET /path" for every route the app's router has (Koa's `:param` written as OpenAPI's `{param}`).
function routerRoutes(koa: Koa): string[] {
  const dispatch = koa.middleware.find((middleware) => 'router' in middleware) as unknown as { router: { stack: { path: string; methods: string[] }[] } };
  return dispatch.router.stack
    .flatMap((layer) => layer.methods.filter((method) => method !== 'HEAD').map((method) => `${method} ${layer.path.replace(/:(\w+)/g, '{$1}')}`))
    .sort();
}

function operations(): { route: string; operation: Json }[] {
  return Object.entries(DOC.paths as Record<string, Json>).flatMap(([path, item]) =>
    METHODS.filter((method) => method in item).map((method) => ({ route: `${method.toUpperCase()} ${path}`, operation: item[method] as Json })),
  );
}

function resolve(value: Json): Json {
  const target = value.$ref;
  if (typeof target !== 'string') return value;
  const found = target
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], DOC);
  if (found === undefined) throw new Error(`Unresolved $ref ${target}`);
  return resolve(found as Json);
}

// The codes an error answer names (allOf [Error, {code: {enum}}]); [] for other answers.
function codesOf(answer: Json): string[] {
  const content = (resolve(answer).content ?? {}) as Record<string, { schema?: Json }>;
  const schema = content['application/json']?.schema;
  const parts = (schema?.allOf ?? []) as Json[];
  // The parts besides the shared Error schema narrow its `code` to this answer's.
  const narrowing = parts.filter((part) => part.$ref === undefined);
  return narrowing.flatMap((part) => ((part.properties as Json | undefined)?.code as { enum?: string[] } | undefined)?.enum ?? []);
}

function allRefs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => allRefs(item, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else allRefs(value, found);
    }
  }
  return found;
}

describe('GET /openapi.json', () => {
  let server: TestServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves the OpenAPI 3.1 document as JSON, behind the token like every route but /health and /qr', async () => {
    server = await serve(app());
    const response = await request(`${server.url}/openapi.json`);
    expect(response.status).to.equal(200);
    expect(response.contentType).to.equal('application/json; charset=utf-8');
    expect(response.body).to.deep.equal(DOC);
    expect(response.body.openapi).to.equal('3.1.0');
    await server.close();
    server = await serve(app('s3cret'));
    expect((await request(`${server.url}/openapi.json`)).status).to.equal(401);
  });

  it("describes exactly the router's routes and methods", () => {
    expect(operations().map(({ route }) => route).sort()).to.deep.equal(routerRoutes(app()));
  });

  it('marks exactly the routes served without the token as public, and gives every other one its 401', async () => {
    const publicRoutes = operations().filter(({ operation }) => Array.isArray(operation.security) && operation.security.length === 0);
    expect(publicRoutes.map(({ route }) => route).sort()).to.deep.equal(['GET /health', 'GET /qr']);
    server = await serve(app('s3cret'));
    for (const { route, operation } of operations()) {
      const [method, path] = route.split(' ') as [string, string];
      const answered = await fetch(`${server.url}${path}`, { method });
      const isPublic = publicRoutes.some((entry) => entry.route === route);
      expect(answered.status === 401, route).to.equal(!isPublic);
      if (!isPublic) expect(codesOf((operation.responses as Record<string, Json>)['401'] as Json), route).to.deep.equal(['UNAUTHORIZED']);
    }
  });

  it("names only the catalogue's codes, each under its own HTTP status", () => {
    for (const { route, operation } of operations()) {
      for (const [status, answer] of Object.entries(operation.responses as Record<string, Json>)) {
        for (const code of codesOf(answer)) {
          expect(ERRORS, `${route} ${status}`).to.have.property(code);
          expect(ERRORS[code as keyof typeof ERRORS].status, `${route} ${status} ${code}`).to.equal(Number(status));
        }
        if (Number(status) >= 400) expect(codesOf(answer), `${route} ${status} names its codes`).not.to.be.empty;
      }
    }
  });

  it('describes every code of the catalogue, in the Error schema and in some answer', () => {
    const components = DOC.components as { schemas: Record<string, Json>; responses: Record<string, Json> };
    const errorCodes = ((components.schemas.Error?.properties as Json).code as { enum: string[] }).enum;
    expect([...errorCodes].sort()).to.deep.equal(Object.keys(ERRORS).sort());
    const answered = new Set([
      ...operations().flatMap(({ operation }) => Object.values(operation.responses as Record<string, Json>).flatMap(codesOf)),
      ...Object.values(components.responses).flatMap(codesOf),
    ]);
    expect([...answered].sort()).to.deep.equal(Object.keys(ERRORS).sort());
  });

  it('resolves every $ref', () => {
    for (const target of allRefs(DOC)) expect(() => resolve({ $ref: target }), target).not.to.throw();
  });
});
