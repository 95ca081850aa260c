// The simulator's control API for people and tests (/__sim/*): the phone's side (scan, logout), the
// network (drop, restore) and what the servers do with the next sends. curl -k https://127.0.0.1:<port>/__sim
import type { IncomingMessage, ServerResponse } from 'node:http';
import { optionalString, readJson, requireString, sendJson, type JsonBody } from './json-http.js';
import { validateAcks } from './outgoing.js';
import type { SimPhone } from './phone.js';
import { SimError } from './sim-error.js';
import type { SimAckStep } from './types.js';

const OK = { ok: true } as const;

function ackSteps(body: JsonBody): readonly SimAckStep[] {
  if (!Array.isArray(body.acks)) throw new SimError("wa-sim: 'acks' must be a list of {ack, delayMs}", 400);
  return validateAcks(body.acks as SimAckStep[]);
}

function dropState(body: JsonBody): 'TIMEOUT' | 'OPENING' {
  const state = optionalString(body, 'state') ?? 'TIMEOUT';
  if (state !== 'TIMEOUT' && state !== 'OPENING') throw new SimError("wa-sim: 'state' must be TIMEOUT or OPENING", 400);
  return state;
}

// Answers `route` when it is a control route; false otherwise.
export async function handleControl(route: string, req: IncomingMessage, res: ServerResponse, phone: SimPhone): Promise<boolean> {
  const { outgoing } = phone;
  switch (route) {
    case 'GET /__sim':
    case 'GET /__sim/state':
      sendJson(res, 200, { ...phone.status(), unknownModules: phone.unknownModules() });
      return true;
    case 'GET /__sim/qr':
      sendJson(res, 200, { qr: phone.currentQr() ?? null });
      return true;
    case 'POST /__sim/scan':
      phone.scan(requireString(await readJson(req), 'qr'));
      sendJson(res, 200, { ok: true, linkedDevices: phone.linkedDevices() });
      return true;
    case 'GET /__sim/pairing-code':
      sendJson(res, 200, phone.currentPairingCode() ?? null);
      return true;
    case 'POST /__sim/enter-code':
      phone.enterPairingCode(requireString(await readJson(req), 'code'));
      sendJson(res, 200, { ok: true, linkedDevices: phone.linkedDevices() });
      return true;
    case 'GET /__sim/messages':
      sendJson(res, 200, outgoing.sentMessages());
      return true;
    case 'GET /__sim/unknown-modules':
      sendJson(res, 200, phone.unknownModules());
      return true;
  }
  const body = await readJson(req);
  switch (route) {
    case 'POST /__sim/fail-next-send':
      outgoing.failNextSend(optionalString(body, 'reason'));
      break;
    case 'POST /__sim/fail-next-send-result':
      outgoing.failNextSendResult(optionalString(body, 'result'));
      break;
    case 'POST /__sim/hang-next-send':
      outgoing.hangNextSend();
      break;
    case 'POST /__sim/ack-next-send':
      outgoing.ackNextSend(ackSteps(body));
      break;
    case 'POST /__sim/unregistered':
      outgoing.markUnregistered(requireString(body, 'number'));
      break;
    case 'POST /__sim/without-lid':
      outgoing.withoutLid(requireString(body, 'number'));
      break;
    case 'POST /__sim/limit-new-contacts':
      outgoing.limitNewContacts(body.on !== false);
      break;
    case 'POST /__sim/map':
      outgoing.mapNumber(requireString(body, 'input'), requireString(body, 'canonical'));
      break;
    case 'POST /__sim/logout':
      phone.phoneLogout();
      break;
    case 'POST /__sim/drop':
      phone.drop(dropState(body));
      break;
    case 'POST /__sim/restore':
      phone.restore();
      break;
    default:
      return false;
  }
  sendJson(res, 200, OK);
  return true;
}
