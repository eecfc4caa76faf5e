// Durable state whose import fails: a live snapshot must report the error and
// leave the image on disk as it was, while the daemon keeps serving.
module.exports = {
  name: 'bad-state',
  version: '1.0.0',
  start(ctx, config) {
    ctx.net.listen({ name: 'svc', host: '127.0.0.1', port: config.port, onConnection: (s) => s.end('ok\n') });
  },
  exportState() {
    return { n: 1 };
  },
  importState(ctx, state) {
    throw new Error(`cannot import state n=${state.n}: the format changed`);
  },
};
