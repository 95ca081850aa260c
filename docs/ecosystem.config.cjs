// PM2 ecosystem example: one session-manager per tenant. `pm2 start docs/ecosystem.config.cjs`
// after `npm ci && npm run build`. Add one entry per tenant, each with its own port.
module.exports = {
  apps: [
    {
      name: 'session-manager-51',
      script: 'dist/supervisor/main.js',
      cwd: __dirname + '/..',
      env: { CLIENTE_ID: '51', PORT: '3001' },
      // The supervisor restarts its own worker; PM2 only keeps the supervisor.
      autorestart: false,
      // Covers the stop bound, SHUTDOWN_GRACE_MS (10 s) + 34 s: room to close the browser and keep the saved login.
      kill_timeout: 45000,
    },
  ],
};
