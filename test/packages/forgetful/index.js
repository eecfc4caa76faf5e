// A package that is not prepared for image resumption: before the snapshot it
// closes its listener and cancels its timer (as it should), but it forgets to
// open them again in returnedFromSnapshot. `snaptel verify` must catch this.
let server;
let tick;
module.exports = {
  name: 'forgetful',
  version: '1.0.0',
  start(ctx, config) {
    server = ctx.net.listen({ name: 'echo', host: '127.0.0.1', port: config.port, onConnection: (s) => s.pipe(s) });
    if (config.forgetSocket) ctx.timers.every('keepalive', 60_000, () => {});
    tick = ctx.timers.once('tick', 600_000, () => ctx.log.info('tick'));
    if (!config.forgetSocket) server.keep = true;
    if (!config.forgetTimer) tick.keep = true;
  },
  aboutToSnapshot() {
    if (!server.keep) void server.close();
    if (!tick.keep) tick.cancel();
  },
};
