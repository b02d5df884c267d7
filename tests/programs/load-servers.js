'use strict';
// Servers that oomkit load must handle, on 127.0.0.1 only (ports chosen by the
// OS, printed as "listening HTTP_PORT RAW_PORT").
//
// The http server (Node's own, keep-alive):
//   /            a small JSON body with Content-Length
//   /chunked     the body in three chunks (Transfer-Encoding: chunked)
//   /close       answers with Connection: close
//   /slow?ms=N   answers after N ms
//   /status/N    answers with status N
//   /a, /b       count hits per path (for weights)
//   anything with ?id=N  remembers N and the X-Request-Id header
//   /__stats     {hits: {path: n}, ids: distinct ids, headerIds: ..., sockets: connections accepted}
// The raw server reads the request line and then, by path:
//   /eof         HTTP/1.1 200 with no length and Connection: close: the body ends at EOF
//   /reset       resets the connection (RST)
//   /malformed   answers bytes that are not HTTP
//   /hang        reads the request and never answers
//   /partial     sends headers promising 100 bytes, sends 10, then nothing
//   /twice       two responses to one request
const http = require('http');
const net = require('net');

const hits = {};
const ids = new Set();
const headerIds = new Set();
let sockets = 0;
const body = Buffer.from('{"ok":true}');

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const path = url.pathname;
  hits[path] = (hits[path] || 0) + 1;
  if (url.searchParams.has('id')) ids.add(url.searchParams.get('id'));
  if (req.headers['x-request-id']) headerIds.add(req.headers['x-request-id']);
  req.resume();
  if (path === '/__stats') {
    const out = JSON.stringify({ hits, ids: ids.size, headerIds: headerIds.size, sockets });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    return res.end(out);
  }
  if (path === '/chunked') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first,');
    res.write('second,');
    return setImmediate(() => res.end('third'));
  }
  if (path === '/close') {
    res.writeHead(200, { 'content-length': body.length, connection: 'close' });
    return res.end(body);
  }
  if (path === '/slow') {
    return setTimeout(() => {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    }, Number(url.searchParams.get('ms') || 100));
  }
  if (path.startsWith('/status/')) {
    res.writeHead(Number(path.slice(8)), { 'content-length': body.length });
    return res.end(body);
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.on('connection', () => sockets++);
server.keepAliveTimeout = 60000;

const raw = net.createServer((socket) => {
  let seen = '';
  socket.on('error', () => {});
  socket.on('data', (d) => {
    seen += d.toString('latin1');
    while (seen.includes('\r\n\r\n')) {
      const head = seen.slice(0, seen.indexOf('\r\n\r\n'));
      seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
      const path = head.split(' ')[1] || '/';
      if (path.startsWith('/eof')) {
        socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until the end of the connection');
      } else if (path.startsWith('/reset')) {
        socket.resetAndDestroy();
      } else if (path.startsWith('/malformed')) {
        socket.write('this is not HTTP at all\r\n\r\n');
      } else if (path.startsWith('/partial')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
      } else if (path.startsWith('/twice')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }
      // /hang: nothing, ever
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  raw.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${server.address().port} ${raw.address().port}\n`);
  });
});
process.on('SIGTERM', () => process.exit(0));
