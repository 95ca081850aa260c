// Before a route is measured: the service and the bare baseline must answer it with the same bytes (status,
// headers but Date, body), or the comparison means nothing. Only what changes per request is masked: the
// /health timestamp and the /send message id, after checking their format and length.
import http from 'node:http';

export interface RouteRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Readonly<Record<string, string>>;
}

interface Answer {
  status: number;
  // "name: value" lines in the order sent, names lower-cased, Date left out.
  headers: string[];
  body: string;
}

const ISO_TIMESTAMP = /"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/;
const MESSAGE_ID = /"message_id":"true_\d+@c\.us_[0-9A-F]+"/;
const MASKS: Readonly<Record<string, RegExp>> = { '/health': ISO_TIMESTAMP, '/send': MESSAGE_ID };

// Over a kept-alive connection, as the load generator sends them, so Connection and Keep-Alive compare too.
async function fetchAnswer(baseUrl: string, route: RouteRequest): Promise<Answer> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    return await fetchOver(agent, new URL(route.path, baseUrl), route);
  } finally {
    agent.destroy();
  }
}

function fetchOver(agent: http.Agent, url: URL, route: RouteRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: route.method, headers: route.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers: string[] = [];
        for (let index = 0; index < res.rawHeaders.length; index += 2) {
          const name = (res.rawHeaders[index] ?? '').toLowerCase();
          if (name !== 'date') headers.push(`${name}: ${res.rawHeaders[index + 1] ?? ''}`);
        }
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(route.body);
  });
}

// The body with its per-request field replaced by one of the same length, or an error if it is missing.
function masked(answer: Answer, route: RouteRequest, who: string): string {
  const mask = MASKS[route.path];
  if (mask === undefined) return answer.body;
  const match = mask.exec(answer.body);
  if (!match) throw new Error(`${route.method} ${route.path} on the ${who}: expected ${String(mask)} in ${answer.body}`);
  return answer.body.replace(mask, 'x'.repeat(match[0].length));
}

// Throws, naming every difference, unless both answer 2xx with the same bytes; returns the body's length.
export async function assertSameAnswers(serviceUrl: string, bareUrl: string, route: RouteRequest): Promise<number> {
  const [service, bare] = await Promise.all([fetchAnswer(serviceUrl, route), fetchAnswer(bareUrl, route)]);
  const what = `${route.method} ${route.path}`;
  const problems: string[] = [];
  for (const [who, answer] of [['service', service], ['bare Koa', bare]] as const) {
    if (answer.status < 200 || answer.status > 299) problems.push(`the ${who} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  }
  if (problems.length === 0) {
    if (service.headers.join('\n') !== bare.headers.join('\n')) {
      problems.push(`headers differ:\n  service:  ${service.headers.join(' | ')}\n  bare Koa: ${bare.headers.join(' | ')}`);
    }
    const serviceBody = masked(service, route, 'service');
    const bareBody = masked(bare, route, 'bare Koa');
    if (serviceBody !== bareBody) problems.push(`bodies differ:\n  service:  ${service.body}\n  bare Koa: ${bare.body}`);
  }
  if (problems.length > 0) throw new Error(`${what}: the service and the bare baseline must answer the same bytes; ${problems.join('; ')}`);
  return Buffer.byteLength(service.body);
}
