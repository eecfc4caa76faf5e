// A package resource of its own kind (ctx.resource) whose live handle needs a
// native addon: the addon is loaded in open(), which runs after resume only.
const net = require('node:net');
module.exports = {
  name: 'native-lazy',
  version: '1.0.0',
  start(ctx, config) {
    let server;
    let opens = 0;
    ctx.resource({
      name: 'probe',
      kind: 'probe-server',
      describe: () => ({ host: '127.0.0.1', port: config.port }),
      status: () => ({ listening: Boolean(server && server.listening), opens }),
      async open() {
        const raw = require('raw-socket');
        opens++;
        ctx.log.info({ createSocket: typeof raw.createSocket, opens }, 'native addon loaded in open()');
        server = net.createServer((s) => s.end('probe\n'));
        await new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen(config.port, '127.0.0.1', resolve);
        });
      },
      async close() {
        const s = server;
        server = undefined;
        if (s) await new Promise((r) => s.close(() => r()));
      },
    });
  },
};
