'use strict';
// Bench-only (../../store.mjs): the baseline, one plain object per subscriber
// in a Map keyed by IMSI, with the same fields as the hlr store holds.
const { subscriber } = require('../../gen.cjs');

const table = new Map();

module.exports = {
  name: 'hlr-bench-map',
  version: '0.1.0',
  start(ctx, config) {
    table.clear();
    for (let i = 0; i < config.count; i++) {
      const s = subscriber(i);
      table.set(s.imsi, s);
    }
    ctx.log.info({ subscribers: table.size }, 'map built');
  },
  returnedFromSnapshot(ctx) {
    ctx.log.info({ subscribers: table.size, probe: table.has(subscriber(0).imsi) }, 'resumed');
  },
};
