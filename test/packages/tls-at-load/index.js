// Loads tls when the module is loaded, as the npm smpp package does.
// V8 cannot snapshot it: the builder must name the module, not crash.
const tls = require('tls');
module.exports = {
  name: 'tls-at-load',
  version: '1.0.0',
  start(ctx) {
    ctx.log.info({ tls: typeof tls.connect }, 'started');
  },
};
