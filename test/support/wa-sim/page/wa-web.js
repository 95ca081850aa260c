// wa-sim: browser side of the simulated WhatsApp Web, served as https://web.whatsapp.com/__wa/wa-web.js.
// Plain browser JavaScript (not compiled by tsc; the server reads it from the source tree).
//
// Linking with a phone number (client.requestPairingCode): WAWebAltDeviceLinkingApi's setPairingType,
// initializeAltDeviceLinking and startAltLinkingFlow ask the server for a code (POST /__wa/pairing-code);
// the phone entering it (sim.enterPairingCode) links the page exactly like a scan ('paired').
//
// It provides window.Debug.VERSION and window.require(<module>) for exactly the modules whatsapp-web.js
// 1.34.7 touches in its session lifecycle (initialize/inject, ExposeAuthStore, LoadUtils, attachEventListeners,
// logout) and in the text-send / number-lookup flow. Any other module name THROWS and is reported to the
// server (sim.unknownModules()), so a library upgrade that needs more shows up as a test failure.
//
// Minimal stubs for modules the library only stores or probes (not used by the simulated flows):
//   WAWebAdvSignatureApi                             stored by ExposeAuthStore, never called
//   WAWebCallCollection                              probed with `typeof .on === 'function'` (calls)
//   WAWebBackendJobsCommon, WAWebE2EProtoUtils,      targets of WWebJS.injectToFunction (wrapped in try/catch;
//   WAWebAddonReactionTableMode,                     the stub has no such function, so nothing is patched)
//   WAWebAddonPollVoteTableMode
//   WAWebLinkPreviewChatAction                       sendMessage asks it for a preview when the text has a link;
//                                                    it answers "no preview" (we are offline)
//
// Talking to the server ("phone" + WhatsApp servers): an EventSource on /__wa/events (server -> page) and
// fetch POSTs to /__wa/* (page -> server). The linked-device token lives in this origin's localStorage,
// i.e. in the Chromium profile that LocalAuth keeps.
(() => {
  'use strict';

  const WA_VERSION = '2.3000.1017054665'; // = whatsapp-web.js 1.34.7 DefaultOptions.webVersion
  const DEVICE_PLATFORM = 'WEB';
  const TOKEN_KEY = 'wa-sim:device-token';
  const RETRY_MS = 250;
  const LOGOUT_NAVIGATION_DELAY_MS = 300;

  // ------------------------------------------------------------------ server calls

  function post(path, body) {
    return fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  function reportUnknown(name) {
    const message = `wa-sim: module '${name}' is not simulated`;
    console.error(message);
    post('/__wa/unknown-module', { name }).catch(() => undefined);
    return message;
  }

  // ------------------------------------------------------------------ Backbone-like events / models

  const handlersOf = new WeakMap();
  const collectionOf = new WeakMap();
  const modelsOf = new WeakMap();

  function eventNames(names) {
    return String(names).split(/\s+/).filter(Boolean);
  }

  function handlerList(target, name) {
    let map = handlersOf.get(target);
    if (!map) {
      map = new Map();
      handlersOf.set(target, map);
    }
    let list = map.get(name);
    if (!list) {
      list = [];
      map.set(name, list);
    }
    return list;
  }

  class Emitter {
    on(names, fn, ctx) {
      for (const name of eventNames(names)) handlerList(this, name).push({ fn, ctx, once: false });
      return this;
    }

    once(names, fn, ctx) {
      for (const name of eventNames(names)) handlerList(this, name).push({ fn, ctx, once: true });
      return this;
    }

    off(names, fn) {
      const map = handlersOf.get(this);
      if (!map) return this;
      const targets = names === undefined || names === null ? [...map.keys()] : eventNames(names);
      for (const name of targets) {
        const list = map.get(name);
        if (list) map.set(name, fn === undefined ? [] : list.filter((h) => h.fn !== fn));
      }
      return this;
    }

    trigger(name, ...args) {
      const map = handlersOf.get(this);
      const list = map && map.get(name);
      if (!list || list.length === 0) return this;
      map.set(
        name,
        list.filter((h) => !h.once),
      );
      for (const h of list) {
        try {
          h.fn.apply(h.ctx === undefined ? this : h.ctx, args);
        } catch (err) {
          console.error(`wa-sim: a '${name}' listener threw`, err);
        }
      }
      return this;
    }

    listenerCount(name) {
      const list = handlersOf.get(this)?.get(name);
      return list ? list.length : 0;
    }
  }

  /** Attributes are own enumerable properties; set() fires 'change:<attr>' (model, value, prev) and 'change'. */
  class Model extends Emitter {
    constructor(attrs) {
      super();
      Object.assign(this, attrs);
    }

    set(key, value) {
      if (key !== null && typeof key === 'object') {
        for (const [k, v] of Object.entries(key)) this.set(k, v);
        return this;
      }
      const prev = this[key];
      if (Object.is(prev, value)) return this;
      this[key] = value;
      this.trigger(`change:${key}`, this, value, prev);
      this.trigger('change', this);
      return this;
    }

    serialize() {
      return { ...this };
    }

    trigger(name, ...args) {
      super.trigger(name, ...args);
      const collection = collectionOf.get(this);
      if (collection) collection.trigger(name, ...args);
      return this;
    }
  }

  class Collection extends Emitter {
    constructor(modelClass) {
      super();
      this.modelClass = modelClass;
      modelsOf.set(this, new Map());
    }

    get(id) {
      if (id === undefined || id === null) return undefined;
      return modelsOf.get(this).get(typeof id === 'string' ? id : id._serialized);
    }

    async find(id) {
      return this.get(id) ?? null;
    }

    add(modelOrAttrs) {
      const model =
        modelOrAttrs instanceof this.modelClass ? modelOrAttrs : new this.modelClass(modelOrAttrs);
      modelsOf.get(this).set(model.id._serialized, model);
      collectionOf.set(model, this);
      this.trigger('add', model, this);
      return [model];
    }

    getModelsArray() {
      return [...modelsOf.get(this).values()];
    }

    get length() {
      return modelsOf.get(this).size;
    }
  }

  class MsgModel extends Model {}
  class ChatModel extends Model {}
  class ContactModel extends Model {}

  class MsgCollection extends Collection {
    async getMessagesById(ids) {
      return { messages: ids.map((id) => this.get(id)).filter(Boolean) };
    }
  }

  // ------------------------------------------------------------------ ids

  const WID_SERVERS = new Set(['c.us', 'g.us', 'lid', 'broadcast', 'newsletter']);

  /** Own enumerable props server/user/_serialized, so page.evaluate() returns them by value. */
  class Wid {
    constructor(serialized) {
      const text = String(serialized);
      const at = text.indexOf('@');
      const user = at > 0 ? text.slice(0, at) : '';
      let server = at > 0 ? text.slice(at + 1) : '';
      if (server === 's.whatsapp.net') server = 'c.us';
      if (!user || !WID_SERVERS.has(server)) throw new Error(`wa-sim: invalid wid '${text}'`);
      this.server = server;
      this.user = user;
      this._serialized = `${user}@${server}`;
    }

    isUser() {
      return this.server === 'c.us' || this.server === 'lid';
    }

    isLid() {
      return this.server === 'lid';
    }

    isGroup() {
      return this.server === 'g.us';
    }

    isStatus() {
      return this.user === 'status' && this.server === 'broadcast';
    }

    isBroadcast() {
      return this.server === 'broadcast';
    }

    isNewsletter() {
      return this.server === 'newsletter';
    }

    toJid() {
      return this.server === 'c.us' ? `${this.user}@s.whatsapp.net` : this._serialized;
    }

    toString() {
      return this._serialized;
    }

    equals(other) {
      return !!other && other._serialized === this._serialized;
    }
  }

  function createWid(id) {
    if (id instanceof Wid) return id;
    return new Wid(typeof id === 'object' && id !== null ? id._serialized : id);
  }

  function hex(bytes) {
    return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  class MsgKey {
    constructor({ to, id, participant, selfDir }) {
      this.fromMe = selfDir === 'out';
      this.remote = to;
      this.id = id;
      if (participant) this.participant = participant;
      this._serialized =
        `${this.fromMe}_${to._serialized}_${id}` + (participant ? `_${participant._serialized}` : '');
    }

    toString() {
      return this._serialized;
    }

    static async newId() {
      return `3EB0${hex(crypto.getRandomValues(new Uint8Array(8))).toUpperCase()}`;
    }
  }

  // ------------------------------------------------------------------ base64 / keys

  function encodeB64(data) {
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }

  function decodeB64(text) {
    const s = atob(text);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return bytes.buffer;
  }

  const keys = {
    staticKey: crypto.getRandomValues(new Uint8Array(32)),
    identityKey: crypto.getRandomValues(new Uint8Array(33)),
    advSecret: encodeB64(crypto.getRandomValues(new Uint8Array(32))),
  };

  // ------------------------------------------------------------------ app state

  class SocketModel extends Model {
    logout() {
      return logoutFromPage();
    }
  }

  const Socket = new SocketModel({ state: 'OPENING', hasSynced: false });
  const Conn = new Model({ ref: undefined, platform: undefined, pushname: undefined });
  const Cmd = new Emitter();
  const Stream = new Model({ available: false });
  const Msg = new MsgCollection(MsgModel);
  const Chat = new Collection(ChatModel);
  const Contact = new Collection(ContactModel);

  let me = null; // Wid of the linked account
  let syncDelayMs = 0;
  let syncTimer = null;
  let offlineProgress = 0;
  let source = null; // current EventSource
  let stopped = false; // logged out: never reconnect
  let wasConnected = false; // this page reached CONNECTED at least once
  let online = false;
  let onlineWaiters = [];

  function applyAccount(account) {
    me = new Wid(`${account.phone}@c.us`);
    syncDelayMs = account.syncDelayMs;
    Conn.set({ pushname: account.pushname, platform: account.platform });
  }

  function goOnline() {
    wasConnected = true;
    online = true;
    Socket.set('state', 'CONNECTED');
    for (const waiter of onlineWaiters.splice(0)) waiter.resolve();
    if (!Socket.hasSynced) scheduleSync();
  }

  function goOffline() {
    online = false;
    if (Socket.state === 'CONNECTED' || (Socket.state === 'OPENING' && wasConnected)) {
      Socket.set('state', 'TIMEOUT');
    }
  }

  // History sync finishes syncDelayMs after CONNECTED, but never before whatsapp-web.js listens for it
  // (its 'change:hasSynced' listener is registered at the end of inject(); see the note in index.ts).
  function scheduleSync() {
    if (syncTimer !== null) return;
    const due = Date.now() + syncDelayMs;
    syncTimer = setInterval(() => {
      if (!online || Date.now() < due || Socket.listenerCount('change:hasSynced') === 0) return;
      clearInterval(syncTimer);
      syncTimer = null;
      offlineProgress = 100;
      Cmd.trigger('offline_progress_update_from_bridge');
      Socket.set('hasSynced', true);
    }, 25);
  }

  function whenOnline() {
    if (stopped) return Promise.reject(new Error('wa-sim: this page is logged out'));
    if (online) return Promise.resolve();
    return new Promise((resolve, reject) => onlineWaiters.push({ resolve, reject }));
  }

  function stop() {
    stopped = true;
    online = false;
    if (source) source.close();
    source = null;
    for (const waiter of onlineWaiters.splice(0)) waiter.reject(new Error('wa-sim: this page is logged out'));
  }

  /** The phone unlinked us: WhatsApp Web fires Cmd 'logout' and reloads with ?post_logout=1. */
  function logoutFromPhone() {
    if (stopped) return;
    stop();
    localStorage.removeItem(TOKEN_KEY);
    Cmd.trigger('logout');
    setTimeout(() => location.replace('/?post_logout=1'), LOGOUT_NAVIGATION_DELAY_MS);
  }

  /** Socket.logout(), used by whatsapp-web.js client.logout(): unlink this device on the server. */
  async function logoutFromPage() {
    const token = localStorage.getItem(TOKEN_KEY);
    stop();
    localStorage.removeItem(TOKEN_KEY);
    if (token) {
      const res = await post('/__wa/logout', { token });
      if (!res.ok) throw new Error(`wa-sim: logout failed (HTTP ${res.status})`);
    }
  }

  /** POST to the server as this linked device; waits while the connection is down. */
  async function api(path, body) {
    for (;;) {
      await whenOnline();
      const res = await post(path, { ...body, token: localStorage.getItem(TOKEN_KEY) ?? undefined });
      if (res.status === 503) {
        await new Promise((r) => setTimeout(r, RETRY_MS));
        continue;
      }
      const data = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(data.error || `wa-sim: ${path} failed (HTTP ${res.status})`);
      return data;
    }
  }

  function handle(event) {
    switch (event.type) {
      case 'unpaired':
        if (event.revoked) {
          if (wasConnected) {
            logoutFromPhone();
            return;
          }
          localStorage.removeItem(TOKEN_KEY);
        }
        Conn.set('ref', event.ref);
        Socket.set('state', 'UNPAIRED');
        return;
      case 'ref':
        Conn.set('ref', event.ref);
        return;
      case 'paired':
        localStorage.setItem(TOKEN_KEY, event.token);
        applyAccount(event.account);
        Socket.set('state', 'PAIRING');
        goOnline();
        return;
      case 'session':
        applyAccount(event.account);
        goOnline();
        return;
      case 'logout':
        logoutFromPhone();
        return;
      default:
        console.error('wa-sim: unknown server event', event);
    }
  }

  function connect() {
    if (stopped) return;
    const params = new URLSearchParams({
      staticKey: encodeB64(keys.staticKey),
      identityKey: encodeB64(keys.identityKey),
      advSecret: keys.advSecret,
      platform: DEVICE_PLATFORM,
    });
    const token = localStorage.getItem(TOKEN_KEY);
    if (token) params.set('token', token);
    const es = new EventSource(`/__wa/events?${params}`);
    source = es;
    es.onopen = () => {
      if (source === es && Socket.state === 'TIMEOUT') Socket.set('state', 'OPENING');
    };
    es.onmessage = (e) => {
      if (source === es) handle(JSON.parse(e.data));
    };
    es.onerror = () => {
      es.close();
      if (source !== es) return;
      source = null;
      goOffline();
      if (!stopped) setTimeout(connect, RETRY_MS);
    };
  }

  // ------------------------------------------------------------------ flows used by whatsapp-web.js

  // Users the server found but has no LID for (WhatsApp Web's own id of an account): their chat cannot open.
  const withoutLid = new Set();

  async function queryWidExists(wid) {
    if (!wid || wid.server !== 'c.us') return null;
    const res = await api('/__wa/query', { number: wid.user });
    if (!res.exists) return null;
    const found = new Wid(`${res.user}@c.us`);
    if (res.lid === false) {
      withoutLid.add(wid._serialized);
      withoutLid.add(found._serialized);
    }
    return { wid: found, biz: false };
  }

  async function findOrCreateLatestChat(wid) {
    // As WhatsApp Web 2.3000.x does (toUserLidOrThrow) for a user whose LID it does not know.
    if (withoutLid.has(createWid(wid)._serialized)) throw new Error('No LID for user');
    const existing = Chat.get(wid);
    if (existing) return { chat: existing, created: false };
    const [chat] = Chat.add({ id: createWid(wid), t: 0, unreadCount: 0, archive: false, isReadOnly: false });
    return { chat, created: true };
  }

  /**
   * Returns [message added, send result], as WhatsApp Web does: the message is added to the chat at once
   * (ack 0); the result follows once the server answered and the first ack that settles it was applied.
   */
  function addAndSendMsgToChat(chat, message) {
    const added = (async () => {
      if (message.type !== 'chat') {
        throw new Error(`wa-sim: only text messages are simulated (got type '${message.type}')`);
      }
      const [msg] = Msg.add(message);
      chat.set('t', message.t);
      return msg;
    })();
    return [added, added.then((msg) => sendToServer(chat, msg))];
  }

  async function sendToServer(chat, msg) {
    let answer;
    try {
      answer = await api('/__wa/send', { to: chat.id._serialized, body: msg.body, id: msg.id._serialized });
    } catch (err) {
      msg.set('ack', -1);
      throw err;
    }
    if (answer.result) {
      msg.set('isSendFailure', true);
      return { messageSendResult: answer.result };
    }
    return applyAcks(msg, answer.acks);
  }

  /** Applies the server's acks step by step; resolves with the send result at the first one other than 0. */
  function applyAcks(msg, steps) {
    return new Promise((resolve) => {
      let at = 0;
      for (const { ack, delayMs } of steps) {
        at += delayMs;
        setTimeout(() => {
          msg.set('ack', ack);
          if (ack !== 0) resolve({ messageSendResult: ack === -1 ? 'ERROR_UNKNOWN' : 'OK' });
        }, at);
      }
    });
  }

  const LINK_RE = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;

  function findLinks(text) {
    if (typeof text !== 'string') return [];
    return [...text.matchAll(LINK_RE)].map((m) => ({
      url: m[0],
      href: /^https?:\/\//i.test(m[0]) ? m[0] : `http://${m[0]}`,
      index: m.index,
    }));
  }

  // ------------------------------------------------------------------ linking with a phone number

  let pairingType = null;

  /** WAWebAltDeviceLinkingApi, as whatsapp-web.js's requestPairingCode drives it. */
  const AltDeviceLinking = {
    setPairingType(type) {
      pairingType = type;
    },
    async initializeAltDeviceLinking() {
      if (pairingType !== 'ALT_DEVICE_LINKING') {
        throw new Error(`wa-sim: initializeAltDeviceLinking() without setPairingType('ALT_DEVICE_LINKING') (got ${pairingType})`);
      }
      if (Socket.state !== 'UNPAIRED' && Socket.state !== 'UNPAIRED_IDLE') {
        throw new Error(`wa-sim: linking with a phone number needs an unpaired page (state ${Socket.state})`);
      }
    },
    /** Resolves with the code WhatsApp's servers issued for this page and that number ("ABCDEFGH"). */
    async startAltLinkingFlow(phoneNumber, showNotification) {
      const res = await post('/__wa/pairing-code', {
        staticKey: encodeB64(keys.staticKey),
        phone: String(phoneNumber),
        notify: showNotification !== false,
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(data.error || `wa-sim: pairing code refused (HTTP ${res.status})`);
      return data.code;
    },
  };

  // ------------------------------------------------------------------ modules

  const collections = { Msg, Chat, Contact };

  const modules = {
    WAWebSocketModel: { Socket },
    WAWebCmd: { Cmd },
    WAWebConnModel: { Conn },
    WAWebOfflineHandler: { OfflineMessageHandler: { getOfflineDeliveryProgress: () => offlineProgress } },
    WABase64: { encodeB64, decodeB64 },
    WAWebCompanionRegClientUtils: { DEVICE_PLATFORM },
    WAWebUserPrefsInfoStore: {
      waNoiseInfo: { get: async () => ({ staticKeyPair: { pubKey: keys.staticKey } }) },
    },
    WAWebSignalStoreApi: {
      waSignalStore: { getRegistrationInfo: async () => ({ identityKeyPair: { pubKey: keys.identityKey } }) },
    },
    WAWebUserPrefsMultiDevice: { getADVSecretKey: () => keys.advSecret },
    WAWebMiscBrowserUtils: { info: () => ({ name: 'Chrome', version: '139.0.0.0', os: 'Mac OS' }) },
    WAWebUserPrefsMeUser: { getMaybeMePnUser: () => me, getMaybeMeLidUser: () => null },
    WAWebCollections: new Proxy(collections, {
      get(target, prop) {
        if (typeof prop === 'string' && !(prop in target)) {
          reportUnknown(`WAWebCollections.${prop}`);
          return undefined;
        }
        return target[prop];
      },
    }),
    WAWebSyncGatingUtils: { isPlaceholderMessageResendEnabled: () => false },
    WAWebWidFactory: { createWid },
    WAWebQueryExistsJob: { queryWidExists },
    WAWebFindChatAction: { findOrCreateLatestChat },
    WAWebStreamModel: {
      Stream: Object.assign(Stream, {
        markAvailable: () => Stream.set('available', true),
        markUnavailable: () => Stream.set('available', false),
      }),
    },
    WAWebUpdateUnreadChatAction: { sendSeen: async ({ chat }) => chat.set('unreadCount', 0) },
    WAWebChatGetters: {
      getIsNewsletter: (chat) => chat.id.server === 'newsletter',
      getIsBroadcast: (chat) => chat.id.server === 'broadcast',
    },
    WALinkify: { findLinks, findLink: (text) => findLinks(text)[0] ?? null },
    WAWebMsgKey: MsgKey,
    WAWebGetEphemeralFieldsMsgActionsUtils: { getEphemeralFields: () => ({}) },
    WAWebSendMsgChatAction: { addAndSendMsgToChat },
    WAWebAltDeviceLinkingApi: AltDeviceLinking,
    // Stubs (see header comment).
    WAWebAdvSignatureApi: {},
    WAWebCallCollection: {},
    WAWebBackendJobsCommon: {},
    WAWebE2EProtoUtils: {},
    WAWebAddonReactionTableMode: {},
    WAWebAddonPollVoteTableMode: {},
    WAWebLinkPreviewChatAction: { getLinkPreview: async () => null },
  };

  window.require = function require(name) {
    if (Object.prototype.hasOwnProperty.call(modules, name)) return modules[name];
    throw new Error(reportUnknown(name));
  };

  connect();
  window.Debug = { VERSION: WA_VERSION };
})();
