// The origin behind pushpin in bench/hub: answers pushpin's
// WebSocket-over-HTTP requests (route option over_http) with GRIP control
// messages that subscribe the connection to the channels named in the URL
// (`/hub?channels=a,b`), accepting the WebSocket on OPEN. Everything else
// (TEXT, PING, CLOSE from clients) is acknowledged without content; the
// benchmark clients only listen. Usage: node pushpin_origin.js PORT
'use strict';
const http = require('http');

const port = Number(process.argv[2] || 8091);

function event(type, content) {
  if (content === undefined) return `${type}\r\n`;
  const b = Buffer.from(content);
  return `${type} ${b.length.toString(16)}\r\n${content}\r\n`;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    let out = '';
    if (body.startsWith('OPEN')) {
      out += event('OPEN');
      const q = new URL(req.url, 'http://x').searchParams.get('channels');
      for (const c of q ? q.split(',') : []) {
        if (c) out += event('TEXT', 'c:' + JSON.stringify({ type: 'subscribe', channel: c }));
      }
    } else if (body.includes('CLOSE')) {
      out += event('CLOSE');
    }
    res.writeHead(200, {
      'Content-Type': 'application/websocket-events',
      'Sec-WebSocket-Extensions': 'grip',
    });
    res.end(out);
  });
});
server.keepAliveTimeout = 120000;
server.listen(port, '127.0.0.1', 4096, () => process.stdout.write(`listening ${port}\n`));
