// Uses crypto.randomUUID() while the image is built, which fills Node's cache
// of pre-generated UUIDs; after resume it logs a few. Each resume must hand
// out its own UUIDs, not the cache that was frozen into the image.
const crypto = require('node:crypto');
module.exports = {
  name: 'uuid',
  version: '1.0.0',
  start(ctx) {
    ctx.log.info({ atBuild: crypto.randomUUID(), int: crypto.randomInt(2 ** 40) }, 'uuid start');
  },
  returnedFromSnapshot(ctx) {
    ctx.log.info({ uuids: [crypto.randomUUID(), crypto.randomUUID(), globalThis.crypto.randomUUID()], ints: [crypto.randomInt(2 ** 40), crypto.randomInt(5, 2 ** 40)] }, 'uuids after resume');
  },
};
