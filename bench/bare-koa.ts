// The baseline: a bare Koa server answering the same routes with the same JSON shapes and nothing else
// (no access log, no auth, no validation, no worker). Run as its own process; prints its port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';

const app = new Koa();
const router = new Router();
let sent = 0;

router.get('/health', (ctx) => {
  ctx.body = {
    status: 'healthy',
    service: 'session-manager',
    cliente_id: 51,
    whatsapp_state: 'READY',
    timestamp: new Date().toISOString(),
  };
});
router.get('/status', (ctx) => {
  ctx.body = { cliente_id: 51, connected: true, state: 'READY' };
});
router.post('/send', (ctx) => {
  sent += 1;
  ctx.body = { ok: true, message_id: `true_5491123456789@c.us_3EB0${sent}` };
});

app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '256kb' }));
app.use(router.routes());

const server = http.createServer(app.callback());
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ message: 'Listening', port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
