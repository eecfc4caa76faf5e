// The unprepared way: a native addon loaded while the package starts, which
// the image builder refuses (V8 cannot snapshot a native module).
module.exports = {
  name: 'native-at-start',
  version: '1.0.0',
  start(ctx) {
    const raw = require('raw-socket');
    ctx.log.info({ createSocket: typeof raw.createSocket }, 'loaded raw-socket at start');
  },
};
