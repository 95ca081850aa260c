// GET /qr: a small self-contained page for the person who links the phone. It holds no secret, so it is
// served without the token; its script asks for the token when the API answers 401, keeps it in
// sessionStorage and sends it as `Authorization: Bearer` (never in a URL). It polls /status (answered from
// memory) and, while QR_REQUIRED, /qr-code?format=png with If-None-Match, so an unchanged QR costs a 304.
// The CSP allows exactly this page's inline script and style (by hash), blob: images and same-origin fetch.
import { hash } from 'node:crypto';

const STYLE = `
body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.3rem}
#state{font-weight:bold}
#qr{display:block;width:min(100%,22rem);height:auto;image-rendering:pixelated;margin:1rem 0}
form{margin:1rem 0}
input{font-size:1rem;padding:.3rem}
button{font-size:1rem;padding:.3rem .8rem}
#pairing-code{font-size:2rem;letter-spacing:.2rem;font-family:monospace}
[data-state=READY] #state{color:#0a7a2f}
[data-state=DISCONNECTED] #state{color:#a40000}
`;

const SCRIPT = `
(() => {
  'use strict';
  const TOKEN_KEY = 'session-manager:api-token';
  const POLL_MS = 1000;
  const $ = (id) => document.getElementById(id);
  const TEXT = {
    INIT: 'Starting, or finishing the link after a scan. Wait a few seconds.',
    QR_REQUIRED: 'On the phone: WhatsApp > Linked devices > Link a device, and scan this QR. It changes every ~20 s; this page follows it.',
    READY: 'Linked: this WhatsApp session is ready. You can close this page.',
  };
  let etag = null;
  let imageUrl = null;
  let timer = null;

  class TokenRefused extends Error {}

  async function call(path, init = {}) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = { ...(init.headers || {}) };
    if (token) headers.Authorization = 'Bearer ' + token;
    const response = await fetch(path, { ...init, headers, cache: 'no-store' });
    if (response.status === 401) throw new TokenRefused();
    return response;
  }

  function show(state, text) {
    document.body.dataset.state = state;
    $('state').textContent = state;
    $('message').textContent = text;
    $('qr').hidden = state !== 'QR_REQUIRED';
    $('pairing-form').hidden = state !== 'QR_REQUIRED';
    if (state !== 'QR_REQUIRED') {
      etag = null;
      $('pairing-code').textContent = '';
    }
  }

  async function requestCode(phone) {
    $('pairing-code').textContent = '';
    $('pairing-note').textContent = 'Asking WhatsApp for a code...';
    try {
      const response = await call('/pairing-code', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ phone }),
      });
      const body = await response.json();
      if (!response.ok) {
        $('pairing-note').textContent = body.message || 'WhatsApp gave no code (HTTP ' + response.status + ').';
        return;
      }
      $('pairing-code').textContent = body.pairing_code;
      $('pairing-note').textContent = 'On that phone: WhatsApp > Linked devices > Link a device > Link with phone number instead, and enter this code. WhatsApp replaces it after 3 minutes: if it has expired, press Get a code again.';
    } catch (error) {
      if (error instanceof TokenRefused) askToken(true);
      else $('pairing-note').textContent = 'The service did not answer (' + error.message + ').';
    }
  }

  function askToken(refused) {
    show('TOKEN', refused ? 'The token was refused. Enter the API_TOKEN again.' : 'This service needs its API token (API_TOKEN).');
    $('token-form').hidden = false;
    $('token').focus();
  }

  async function refreshQr() {
    const headers = etag ? { 'If-None-Match': etag } : {};
    const response = await call('/qr-code?format=png', { headers });
    // 304: the QR shown is still the current one; 409: the state moved on, the next /status says where.
    if (response.status !== 200) return;
    const blob = await response.blob();
    if (imageUrl) URL.revokeObjectURL(imageUrl);
    imageUrl = URL.createObjectURL(blob);
    etag = response.headers.get('ETag');
    $('qr').src = imageUrl;
    $('qr').dataset.etag = etag || '';
  }

  async function poll() {
    timer = null;
    try {
      const response = await call('/status');
      const status = await response.json();
      if (!response.ok) throw new Error(status.message || 'HTTP ' + response.status);
      const reason = status.last_disconnect_reason;
      const text = status.state === 'DISCONNECTED' ? 'Not connected' + (reason ? ': ' + reason : '') + '.' : TEXT[status.state] || '';
      show(status.state, text);
      if (status.state === 'QR_REQUIRED') await refreshQr();
    } catch (error) {
      if (error instanceof TokenRefused) {
        askToken(sessionStorage.getItem(TOKEN_KEY) !== null);
        return;
      }
      show('UNREACHABLE', 'The service did not answer (' + error.message + '); retrying.');
    }
    timer = setTimeout(poll, POLL_MS);
  }

  $('pairing-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void requestCode($('phone').value);
  });

  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    $('token-form').hidden = true;
    if (timer === null) void poll();
  });

  void poll();
})();
`;

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Link WhatsApp</title>
<style>${STYLE}</style>
</head>
<body data-state="LOADING">
<h1>Link WhatsApp to this session</h1>
<p>State: <span id="state">LOADING</span></p>
<p id="message">Loading...</p>
<img id="qr" alt="WhatsApp QR code to scan" hidden>
<form id="pairing-form" hidden>
<p>Or link with the phone number instead of the QR:</p>
<label>Phone number <input id="phone" type="tel" placeholder="5491123456789" autocomplete="off" required></label>
<button type="submit">Get a code</button>
<p id="pairing-code"></p>
<p id="pairing-note"></p>
</form>
<form id="token-form" hidden>
<label>API token <input id="token" type="password" autocomplete="off" required></label>
<button type="submit">Use token</button>
</form>
<script>${SCRIPT}</script>
</body>
</html>
`;

function sourceHash(source: string): string {
  return `'sha256-${hash('sha256', source, 'base64')}'`;
}

// Nothing but this page's own script and style, images from blob: (the fetched PNG), fetch to this origin;
// no form is ever submitted (a GET submission would put the token in the URL): the script sends them.
const CSP = [
  "default-src 'none'",
  `script-src ${sourceHash(SCRIPT)}`,
  `style-src ${sourceHash(STYLE)}`,
  'img-src blob:',
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const QR_PAGE = Object.freeze({
  html: HTML,
  headers: Object.freeze({
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  }),
});
