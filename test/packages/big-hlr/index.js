// An HLR store with config.count generated subscribers (10^6 makes some 80 MB
// of typed arrays). V8 on Node 20.20 crashes (SIGSEGV) deserializing such a
// heap; with config.stow the store travels in the image as a string
// (stow/unstow from @snaptel/image) and comes back as typed arrays on resume.
const { SubscriberStore } = require('@snaptel/hlr');
const { stow, unstow } = require('@snaptel/image');

let store;
let stowed;
module.exports = {
  name: 'big-hlr',
  version: '1.0.0',
  start(ctx, config) {
    store = new SubscriberStore();
    for (let i = 0; i < config.count; i++) {
      const n = String(i).padStart(10, '0');
      store.add({ imsi: `00101${n}`, msisdn: `49${n}`, ki: n.padStart(32, 'a'), algo: 'comp128v1' });
    }
    ctx.net.listen({
      name: 'probe',
      host: '127.0.0.1',
      port: config.port,
      onConnection: (s) => s.end(`${store.size} ${store.get(`00101${String(config.count - 1).padStart(10, '0')}`)?.msisdn}\n`),
    });
    this.stow = Boolean(config.stow);
  },
  aboutToSnapshot() {
    if (!this.stow) return;
    stowed = stow(store.exportState());
    store = undefined;
  },
  returnedFromSnapshot() {
    if (!stowed) return;
    store = SubscriberStore.fromState(unstow(stowed));
    stowed = undefined;
  },
};
