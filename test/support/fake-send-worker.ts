// Stands in for the worker behind the Sender: records every message handed to it, answers as `behaviour`
// says, after `delayMs` or, when held, once the test releases it.
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../shared/errors.js';
import type { SendParams, SendResult } from '../../shared/protocol.js';

export type Behaviour = 'succeed' | 'SEND_FAILED' | 'SEND_OUTCOME_UNKNOWN' | 'WORKER_TIMEOUT' | 'SESSION_NOT_READY';

export interface FakeSendWorker {
  calls: SendParams[];
  behaviour: Behaviour;
  delayMs: number;
  hold: Promise<void> | undefined;
  dispatch: (params: SendParams) => Promise<SendResult>;
}

export function fakeSendWorker(): FakeSendWorker {
  const worker: FakeSendWorker = {
    calls: [],
    behaviour: 'succeed',
    delayMs: 0,
    hold: undefined,
    dispatch: async (params) => {
      worker.calls.push(params);
      await (worker.hold ?? sleep(worker.delayMs));
      if (worker.behaviour !== 'succeed') throw new AppError(worker.behaviour, { message: `fake worker: ${worker.behaviour}` });
      return { messageId: `true_${params.to}@c.us_${worker.calls.length}` };
    },
  };
  return worker;
}

// Holds the worker's calls from now on; they finish when the test calls the returned function.
export function holdWorker(worker: FakeSendWorker): () => void {
  let release: () => void = () => undefined;
  worker.hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  return release;
}
