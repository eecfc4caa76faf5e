module.exports = {
  name: 'app',
  version: '1.0.0',
  requires: ['base'],
  start(ctx) {
    ctx.log.info('app start');
    ctx.timers.every('tick', 3_600_000, () => {});
  },
  aboutToSnapshot(ctx) {
    ctx.log.info('app aboutToSnapshot');
  },
  returnedFromSnapshot(ctx) {
    ctx.log.info('app returnedFromSnapshot');
  },
  stop(ctx) {
    ctx.log.info('app stop');
  },
};
