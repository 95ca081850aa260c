// Puppeteer (pulled in by whatsapp-web.js) downloads its own Chrome at install time.
// Skip that when PUPPETEER_SKIP_DOWNLOAD is set or a system Chromium exists, so
// `npm install` works on machines that cannot reach Google's download servers.
const { existsSync } = require('node:fs');

const systemBrowsers = ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const envSkip = /^(1|true|yes)$/i.test(process.env.PUPPETEER_SKIP_DOWNLOAD ?? '');

module.exports = {
  skipDownload: envSkip || systemBrowsers.some((path) => existsSync(path)),
};
