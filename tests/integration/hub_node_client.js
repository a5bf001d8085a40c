// A hub protocol client on the npm `ws` package (node), for
// test_hub_node.py: connect, subscribe, publish, presence, history, ping,
// unsubscribe, then one deliberate protocol violation. Prints one JSON
// line per event on stdout; exits on close or after 15 s.
// usage: node hub_node_client.js WS_MODULE_DIR URL CHANNEL
'use strict';
const WebSocket = require(require('path').join(process.argv[2], 'ws'));
const url = process.argv[3];
const channel = process.argv[4];
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const ws = new WebSocket(url, { perMessageDeflate: { clientNoContextTakeover: true } });
let nextId = 1;
const pending = new Map();
const call = (cmd) => new Promise((resolve) => {
  const id = nextId++;
  pending.set(id, resolve);
  ws.send(JSON.stringify(Object.assign({ id }, cmd)));
});
const pubs = [];
setTimeout(() => { out({ event: 'timeout' }); process.exit(2); }, 15000);

ws.on('open', async () => {
  out({ event: 'open', extensions: ws.extensions });
  out({ event: 'connect', reply: await call({ connect: {} }) });
  out({ event: 'subscribe', reply: await call({ subscribe: { channel } }) });
  for (let i = 0; i < 3; i++) await call({ publish: { channel, data: { n: i, text: 'x'.repeat(200) } } });
  const deadline = Date.now() + 5000;
  while (pubs.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  out({ event: 'pubs', pubs });
  out({ event: 'presence', reply: await call({ presence: { channel } }) });
  out({ event: 'history', reply: await call({ history: { channel, limit: 10 } }) });
  out({ event: 'ping', reply: await call({ ping: {} }) });
  out({ event: 'unknown', reply: await call({ frobnicate: {} }) });
  out({ event: 'unsubscribe', reply: await call({ unsubscribe: { channel } }) });
  ws.send('{not json');
});
ws.on('message', (data) => {
  const m = JSON.parse(data.toString());
  if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); return; }
  if (m.push && m.push.pub) pubs.push(m.push.pub);
});
ws.on('close', (code, reason) => { out({ event: 'close', code, reason: reason.toString() }); process.exit(0); });
ws.on('error', (e) => { out({ event: 'error', message: e.message }); });
