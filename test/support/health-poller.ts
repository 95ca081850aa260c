// Polls GET /health until stopped; a user-visible outage shows up as a failure entry.
import { request } from './http.js';

export interface HealthPoll {
  stop(): Promise<{ count: number; failures: string[] }>;
}

export function pollHealth(url: string, everyMs = 10): HealthPoll {
  let running = true;
  let count = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        const response = await request(`${url}/health`);
        count += 1;
        if (response.status !== 200) failures.push(`status ${response.status}`);
      } catch (error) {
        failures.push(String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { count, failures };
    },
  };
}
