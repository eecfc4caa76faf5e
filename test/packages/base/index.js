// Two packages, app requires base: start in dependency order, stop in reverse.
module.exports = {
  name: 'base',
  version: '1.0.0',
  start(ctx, config) {
    ctx.log.info('base start');
    ctx.net.listen({ name: 'svc', host: '127.0.0.1', port: config.port, onConnection: (s) => s.end('base\n') });
  },
  aboutToSnapshot(ctx) {
    ctx.log.info('base aboutToSnapshot');
  },
  returnedFromSnapshot(ctx) {
    ctx.log.info('base returnedFromSnapshot');
  },
  stop(ctx) {
    ctx.log.info('base stop');
  },
};
