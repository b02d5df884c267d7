'use strict';
// A listener per request: each request subscribes to a long-lived emitter
// (config changes) and never unsubscribes, so the emitter keeps every
// request's closure, and through it the request and the response.
//   node app.js [--port 3000]
const http = require('http');
const { EventEmitter } = require('events');

const port = Number(process.argv[process.argv.indexOf('--port') + 1]) || 3000;
const config = new EventEmitter();
let settings = { greeting: 'hello' };

function handle(req, res) {
  const onConfigChanged = (next) => {
    // Would re-render this request's answer with the new settings.
    if (!res.writableEnded) res.setHeader('x-greeting', next.greeting);
  };
  config.on('changed', onConfigChanged);  // the leak: never config.off('changed', ...)
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ greeting: settings.greeting, url: req.url }));
}

setInterval(() => {
  settings = { greeting: settings.greeting === 'hello' ? 'hi' : 'hello' };
}, 60000).unref();

http.createServer(handle).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/`));
