// strata hub client: one file, no build step, no dependencies. Served by
// strata at <hub route>/strata-hub.js. Protocol: docs/hub.md.
//
//   const hub = new StrataHub('/hub', { transport: 'websocket', token });
//   const sub = hub.subscribe('chat:lobby', {
//     publication: (data, pos) => ..., join: (info) => ..., leave: (info) => ...,
//     unrecovered: (pos) => ...   // a gap could not be filled (after a reconnect, or a
//                                 // multi-node resync push): refetch from your source
//   });
//   await hub.publish('chat:lobby', { text: 'hi' });
//   hub.on('state', (s) => ...)   // 'connecting' | 'connected' | 'disconnected'
//
// transport 'websocket' speaks the bidirectional JSON protocol and, after a
// reconnect, resubscribes every channel with its last position (the hub
// replays what was missed, or says it cannot). transport 'sse' uses
// EventSource with the channels in the URL (the browser resends
// Last-Event-ID itself) and publishes with an HTTP POST to the hub route.
(function (global) {
  'use strict';

  function absoluteUrl(path, scheme) {
    const u = new URL(path, global.location ? global.location.href : undefined);
    if (scheme === 'ws') u.protocol = u.protocol === 'https:' ? 'wss:' : (u.protocol === 'http:' ? 'ws:' : u.protocol);
    return u;
  }

  class Emitter {
    constructor() { this._h = {}; }
    on(name, fn) { (this._h[name] = this._h[name] || []).push(fn); return this; }
    _emit(name, ...args) { for (const fn of this._h[name] || []) { try { fn(...args); } catch (e) { console.error(e); } } }
  }

  class Subscription extends Emitter {
    constructor(hub, channel, handlers) {
      super();
      this.hub = hub;
      this.channel = channel;
      this.position = null;           // {offset, epoch} of the last publication seen
      for (const k of Object.keys(handlers || {})) this.on(k, handlers[k]);
    }
    unsubscribe() { this.hub._unsubscribe(this); }
  }

  class StrataHub extends Emitter {
    constructor(path, opts) {
      super();
      this.opts = Object.assign({ transport: 'websocket', token: '', minDelay: 250, maxDelay: 10000 }, opts || {});
      this.path = path;
      this.state = 'disconnected';
      this.subs = new Map();
      this.pending = new Map();
      this.nextId = 1;
      this.attempt = 0;
      this.closed = false;
      this.client = null;
      setTimeout(() => this._open(), 0);
    }

    subscribe(channel, handlers) {
      let s = this.subs.get(channel);
      if (s) return s;
      s = new Subscription(this, channel, handlers);
      this.subs.set(channel, s);
      if (this.opts.transport === 'sse') this._reopenSse();
      else if (this.state === 'connected') this._sendSubscribe(s);
      return s;
    }

    publish(channel, data) {
      if (this.opts.transport === 'sse') return this._httpPublish(channel, data);
      return this._call({ publish: { channel, data } });
    }
    presence(channel) { return this._call({ presence: { channel } }); }
    history(channel, limit) { return this._call({ history: { channel, limit: limit || 100 } }); }

    close() {
      this.closed = true;
      if (this.ws) this.ws.close(1000);
      if (this.es) this.es.close();
      this._setState('disconnected');
    }

    // --- internals ---------------------------------------------------------
    _setState(s) { if (this.state !== s) { this.state = s; this._emit('state', s); } }

    _delay() {
      const base = Math.min(this.opts.maxDelay, this.opts.minDelay * Math.pow(2, this.attempt++));
      return base / 2 + Math.random() * base / 2;   // jitter: clients do not return together
    }

    _open() {
      if (this.closed) return;
      this._setState('connecting');
      if (this.opts.transport === 'sse') this._openSse(); else this._openWs();
    }

    _openWs() {
      const u = absoluteUrl(this.path, 'ws');
      const ws = new WebSocket(u.toString());
      this.ws = ws;
      ws.onopen = () => {
        this._call({ connect: { token: this.opts.token || '' } }).then((r) => {
          this.client = r.client;
          this.attempt = 0;
          this._setState('connected');
          for (const s of this.subs.values()) this._sendSubscribe(s);
        }, (e) => this._emit('error', e));
      };
      ws.onmessage = (ev) => this._onWsMessage(ev.data);
      ws.onclose = (ev) => {
        for (const p of this.pending.values()) p.reject(new Error('disconnected'));
        this.pending.clear();
        this.ws = null;
        this._setState('disconnected');
        this._emit('disconnect', { code: ev.code, reason: ev.reason });
        // 4001/4002/4003: auth problems do not heal by retrying.
        if (!this.closed && ![4001, 4002, 4003].includes(ev.code)) setTimeout(() => this._open(), this._delay());
      };
    }

    _call(cmd) {
      return new Promise((resolve, reject) => {
        if (!this.ws || this.ws.readyState !== 1) { reject(new Error('not connected')); return; }
        const id = this.nextId++;
        this.pending.set(id, { resolve, reject });
        this.ws.send(JSON.stringify(Object.assign({ id }, cmd)));
      });
    }

    _sendSubscribe(s) {
      const cmd = { channel: s.channel };
      if (s.position) cmd.since = s.position;
      this._call({ subscribe: cmd }).then((r) => {
        if (s.position && r.recovered === false) s._emit('unrecovered', { offset: r.offset, epoch: r.epoch });
        if (!s.position || r.recovered === false) s.position = { offset: r.offset, epoch: r.epoch };
        s._emit('subscribed', r);
      }, (e) => s._emit('error', e));
    }

    _unsubscribe(s) {
      this.subs.delete(s.channel);
      if (this.opts.transport === 'sse') this._reopenSse();
      else if (this.state === 'connected') this._call({ unsubscribe: { channel: s.channel } }).catch(() => {});
    }

    _onWsMessage(text) {
      let m;
      try { m = JSON.parse(text); } catch (e) { return; }
      if (m.id) {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
        else p.resolve(m.result || {});
        return;
      }
      if (m.push) this._onPush(m.push.channel, m.push);
    }

    _onPush(channel, push) {
      const s = this.subs.get(channel);
      if (!s) return;
      if (push.pub) {
        s.position = { offset: push.pub.offset, epoch: push.pub.epoch };
        s._emit('publication', push.pub.data, s.position);
      } else if (push.join) s._emit('join', push.join);
      else if (push.leave) s._emit('leave', push.leave);
      else if (push.subscribe) {
        // A server-side subscribe; with recovered:false (multi-node broker:
        // continuity broke and could not be restored) the position moves to
        // the one given and the app is told, like after a failed recovery.
        const d = push.subscribe;
        if (d.recovered === false) {
          if (s.position) s._emit('unrecovered', { offset: d.offset, epoch: d.epoch });
          s.position = { offset: d.offset, epoch: d.epoch };
        }
        s._emit('subscribed', d);
      }
    }

    _sseUrl() {
      const u = absoluteUrl(this.path);
      u.searchParams.set('channels', Array.from(this.subs.keys()).join(','));
      if (this.opts.token) u.searchParams.set('token', this.opts.token);
      if (this.subs.size === 1) {
        const s = this.subs.values().next().value;
        if (s.position) u.searchParams.set('since', s.position.epoch + ':' + s.position.offset);
      }
      return u.toString();
    }

    _reopenSse() {
      if (this.state === 'disconnected' && !this.es) return;   // _open() will build the URL
      if (this.es) this.es.close();
      this.es = null;
      this._openSse();
    }

    _openSse() {
      if (this.subs.size === 0) { this._setState('connected'); return; }
      const es = new EventSource(this._sseUrl());
      this.es = es;
      es.addEventListener('connect', (ev) => {
        const d = JSON.parse(ev.data);
        this.client = d.client;
        this._setState('connected');
      });
      es.addEventListener('subscribe', (ev) => {
        const d = JSON.parse(ev.data);
        const s = this.subs.get(d.channel);
        if (!s) return;
        if (s.position && d.recovered === false) s._emit('unrecovered', { offset: d.offset, epoch: d.epoch });
        if (!s.position || d.recovered === false) s.position = { offset: d.offset, epoch: d.epoch };
        s._emit('subscribed', d);
      });
      es.onmessage = (ev) => {
        const d = JSON.parse(ev.data);
        this._onPush(d.channel, { pub: d });
      };
      es.addEventListener('join', (ev) => { const d = JSON.parse(ev.data); this._onPush(d.channel, { join: d }); });
      es.addEventListener('leave', (ev) => { const d = JSON.parse(ev.data); this._onPush(d.channel, { leave: d }); });
      es.addEventListener('disconnect', (ev) => this._emit('disconnect', JSON.parse(ev.data)));
      es.onerror = () => { this._setState(es.readyState === 2 ? 'disconnected' : 'connecting'); };
    }

    _httpPublish(channel, data) {
      const u = absoluteUrl(this.path);
      const headers = { 'content-type': 'application/json' };
      if (this.opts.token) headers.authorization = 'Bearer ' + this.opts.token;
      return fetch(u.toString(), { method: 'POST', headers, body: JSON.stringify({ channel, data }) })
        .then((r) => r.json())
        .then((j) => { if (j.error) throw Object.assign(new Error(j.error.message), { code: j.error.code }); return j.result; });
    }
  }

  global.StrataHub = StrataHub;
})(typeof window !== 'undefined' ? window : globalThis);
