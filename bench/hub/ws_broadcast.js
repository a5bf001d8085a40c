// A plain node `ws` broadcast server, the baseline of bench/hub: clients
// subscribe with `ws://HOST:PORT/hub?channels=a,b`, publishers POST the
// message body to `/publish?channel=a` (or `{"channel":"a","data":...}` to
// `/publish`) and it is sent as one text frame to every subscriber of the
// channel. One process, one thread (node's event loop): the usual way such
// a server is written. Usage: node ws_broadcast.js PORT
'use strict';
const http = require('http');
const path = require('path');
const { WebSocketServer } = require(path.join(__dirname, 'node_modules', 'ws'));

const port = Number(process.argv[2] || 8090);
const channels = new Map(); // name -> Set<WebSocket>

function channelsOf(url) {
  const q = new URL(url, 'http://x').searchParams.get('channels');
  return q ? q.split(',').filter((c) => c.length > 0) : [];
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || !req.url.startsWith('/publish')) {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks).toString();
    let channel = new URL(req.url, 'http://x').searchParams.get('channel');
    // One message (?channel= and the raw body, or {"channel","data"}) or a
    // batch ({"messages":[{"channel","data"},...]}), sent in order.
    let messages = [];
    if (channel) {
      messages.push([channel, body]);
    } else {
      try {
        const j = JSON.parse(body);
        for (const m of (j.messages || [j])) messages.push([m.channel, JSON.stringify(m.data)]);
      } catch (e) {
        res.writeHead(400).end();
        return;
      }
    }
    let n = 0;
    for (const [ch, text] of messages) {
      const subs = channels.get(ch);
      if (!subs) continue;
      for (const ws of subs) {
        ws.send(text);
        ++n;
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"result":{"delivered":${n}}}`);
  });
});

const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws, req) => {
  const mine = channelsOf(req.url);
  for (const c of mine) {
    if (!channels.has(c)) channels.set(c, new Set());
    channels.get(c).add(ws);
  }
  ws.on('close', () => {
    for (const c of mine) {
      const s = channels.get(c);
      if (s) {
        s.delete(ws);
        if (s.size === 0) channels.delete(c);
      }
    }
  });
  ws.on('error', () => {});
});

server.listen(port, '127.0.0.1', 4096, () => process.stdout.write(`listening ${port}\n`));
