// The prepared way: tls is loaded lazily, after resume.
const { lazyRequire } = require('@snaptel/image');
const tls = lazyRequire('tls');
module.exports = {
  name: 'tls-lazy',
  version: '1.0.0',
  start(ctx, config) {
    ctx.net.listen({ name: 'plain', host: '127.0.0.1', port: config.port, onConnection: (s) => s.end() });
  },
  returnedFromSnapshot(ctx) {
    ctx.log.info({ tlsConnect: typeof tls.connect, tlsVersion: tls.DEFAULT_MAX_VERSION }, 'tls loaded after resume');
  },
};
