// One SCTP listener (an echo) and one SCTP client link, both through
// sctp-js-stub on real SCTP over raw IP or UDP (config.udp: the UDP ports):
// what `snaptel verify` checks for associations. The raw backend loads its
// native addon in open(), after resume.
const { sctpListen, sctpConnect } = require('@snaptel/sctp-js-stub');
module.exports = {
  name: 'sctp-peers',
  version: '1.0.0',
  start(ctx, config) {
    const udp = config.udp;
    const backend = udp ? { backend: 'sctp', transport: 'udp', udpPort: udp.listen } : { backend: 'sctp', transport: 'raw' };
    sctpListen(ctx, {
      name: 'echo',
      backend,
      host: config.host,
      port: config.listenPort,
      onAssociation: (a) => a.on('message', (m) => a.send(m.data, { stream: m.stream, ppid: m.ppid })),
    });
    sctpConnect(ctx, {
      name: 'uplink',
      backend: udp ? { backend: 'sctp', transport: 'udp', udpPort: udp.client, udpPeerPort: udp.peer } : backend,
      host: config.host,
      port: config.peerPort,
      localHost: config.host,
      backoff: { initialMs: 100, maxMs: 1000 },
      onUp: (a) => a.send(Buffer.from('hello'), { stream: 0, ppid: 0 }),
    });
  },
};
