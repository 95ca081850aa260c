// Timings that depend on each other across the two processes, worked out here and nowhere else. The
// supervisor's patience with a stopping worker must cover the worker's own bound, which must cover the
// driver's, so a stop always ends politely when it can and by force, within a known bound, when it cannot.

// Chromium gets this long after SIGTERM to flush the profile (the saved login) before SIGKILL.
export const BROWSER_KILL_GRACE_MS = 5000;
// After SIGKILL, how long to wait for the browser's processes to be gone.
export const BROWSER_KILLED_WAIT_MS = 2000;
// A polite close of Chromium by the driver (whatsapp-web.js's destroy), a client still launching included.
export const BROWSER_CLOSE_TIMEOUT_MS = 10_000;
// The worst case of a driver's destroy(): the polite close, then the browser tree killed by its pid.
const DRIVER_CLOSE_BOUND_MS = BROWSER_CLOSE_TIMEOUT_MS + BROWSER_KILL_GRACE_MS + BROWSER_KILLED_WAIT_MS;
// After the grace period for calls in flight, the worker exits by itself at the latest this much later.
export const WORKER_CLOSE_BOUND_MS = DRIVER_CLOSE_BOUND_MS + 1000;
// What the supervisor adds to the worker's own bound before it stops waiting for the answer (IPC, exit).
const IPC_MARGIN_MS = 1000;
// After that, the worker gets this long to exit before SIGTERM, and again before SIGKILL.
export const WORKER_KILL_GRACE_MS = 3000;
// Open HTTP connections get this long to finish once the worker is stopped.
export const HTTP_CLOSE_GRACE_MS = 2000;
// A disconnect lets sends in flight finish for this long before the client closes.
export const DISCONNECT_DRAIN_MS = 10_000;

// How long the supervisor waits for the answer to a polite shutdown request with this grace period.
export function shutdownCallTimeoutMs(graceMs: number): number {
  return graceMs + WORKER_CLOSE_BOUND_MS + IPC_MARGIN_MS;
}

// The longest a stop (SIGTERM, SIGINT) can take when everything is stuck: the polite request, SIGTERM then
// SIGKILL of the worker, then its browser tree killed by pid, then the HTTP connections closed.
export function stopBoundMs(graceMs: number): number {
  return shutdownCallTimeoutMs(graceMs) + 2 * WORKER_KILL_GRACE_MS + BROWSER_KILL_GRACE_MS + BROWSER_KILLED_WAIT_MS + HTTP_CLOSE_GRACE_MS;
}
