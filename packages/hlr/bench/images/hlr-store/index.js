'use strict';
// Bench-only (../../store.mjs): the hlr store with config.count subscribers, so
// that an image's resume time can be measured against a Map of plain objects.
const { SubscriberStore } = require('@snaptel/hlr');
const { subscriber } = require('../../gen.cjs');

let store;

module.exports = {
  name: 'hlr-bench-store',
  version: '0.1.0',
  start(ctx, config) {
    store = new SubscriberStore();
    for (let i = 0; i < config.count; i++) store.add(subscriber(i));
    ctx.log.info({ subscribers: store.size, bytes: store.allocatedBytes() }, 'store built');
  },
  returnedFromSnapshot(ctx) {
    ctx.log.info({ subscribers: store.size, probe: store.get(subscriber(0).imsi) !== undefined }, 'resumed');
  },
};
