// Linking the phone: GET /qr-code (the raw QR for the hub, or ?format=png for a person), POST /pairing-code
// (a code to enter on the phone instead), GET /qr (the page that offers both, public: see qr-page.ts).
import { hash } from 'node:crypto';
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { AppError } from '../../shared/errors.js';
import type { SessionService } from '../session-service.js';
import { QR_PAGE } from './qr-page.js';
import { parsePairingRequest } from './send-request.js';

// The page is served without the token (it holds no secret); everything it fetches needs it.
export const QR_PAGE_PATH = '/qr';

// Large enough to scan from a screen at arm's length: WhatsApp's QR is version 10 (57 modules), so 390 px.
const PNG_OPTIONS = { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 6 } as const;

type QrFormat = 'json' | 'png';

function formatOf(query: Record<string, string | string[] | undefined>): QrFormat {
  const format = query.format;
  if (format === undefined || format === 'json') return 'json';
  if (format === 'png') return 'png';
  throw new AppError('INVALID_FIELD', { message: 'format must be json or png (e.g. GET /qr-code?format=png)' });
}

// Renders the current QR once (~30 ms of the supervisor's CPU, measured): the page asks every second, and
// the QR changes every ~20 s.
function pngRenderer(): (qr: string) => Promise<{ png: Buffer; etag: string }> {
  let last: { qr: string; rendered: Promise<{ png: Buffer; etag: string }> } | undefined;
  return (qr) => {
    if (last?.qr !== qr) {
      const rendered = (async () => {
        // Loaded on the first PNG only: most supervisors never render one.
        const { default: QRCode } = await import('qrcode');
        return { png: await QRCode.toBuffer(qr, PNG_OPTIONS), etag: `"${hash('sha256', qr, 'base64url').slice(0, 22)}"` };
      })();
      last = { qr, rendered };
      rendered.catch(() => {
        if (last?.rendered === rendered) last = undefined;
      });
    }
    return last.rendered;
  };
}

// `parseJson` is the app's JSON body parser (type, size and UTF-8 checks).
export function qrRoutes(router: Router, service: SessionService, parseJson: Middleware): void {
  const render = pngRenderer();

  router.post('/pairing-code', parseJson, async (ctx) => {
    const { phone } = parsePairingRequest(ctx.request.body);
    const { code } = await service.requestPairingCode(phone);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { pairing_code: code };
  });

  router.get('/qr-code', async (ctx) => {
    const format = formatOf(ctx.query);
    const { qr } = await service.getQr();
    if (format === 'json') {
      ctx.body = { qr_code: qr };
      return;
    }
    const { png, etag } = await render(qr);
    // The QR links a phone to this session: never kept by a cache.
    ctx.set('Cache-Control', 'no-store');
    ctx.set('ETag', etag);
    // Compared here, not with ctx.fresh: a fetch that sets If-None-Match itself also sends
    // Cache-Control: no-cache (the Fetch standard), which ctx.fresh takes as "never fresh".
    if (ctx.get('If-None-Match').split(/\s*,\s*/).includes(etag)) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'image/png';
    ctx.body = png;
  });

  router.get(QR_PAGE_PATH, (ctx) => {
    ctx.set(QR_PAGE.headers);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = QR_PAGE.html;
  });
}
