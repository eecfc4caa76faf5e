'use strict';
/**
 * One SCTP endpoint in its own process, for the real-backend tests: a server
 * or a client on the built package (dist/). Configuration is argv[2] (JSON);
 * commands come as JSON lines on stdin, events go out as JSON lines on stdout.
 *
 *   config:   { role: 'server'|'client', backend: {transport, udpPort, ...}, host, port,
 *               localHost?, localPort?, echo?, timeoutMs?, inStreams?, outStreams? }
 *   commands: { cmd: 'send', msgs: [{ hex, stream, ppid, unordered? }] }
 *             { cmd: 'abort', reason } | { cmd: 'close' }
 *   events:   listening, up, association, message, restart, down, error, closed
 *
 * After 'close' the process stops reading stdin and must exit by itself: a
 * handle left open by the backend would keep it alive, and the test sees that.
 */
const path = require('node:path');
const readline = require('node:readline');
const { sctpBackend, wiresSettled } = require(path.join(__dirname, '../dist/index.js'));

const cfg = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const backend = sctpBackend(cfg.backend);
const assocs = new Set();
let server;

function watch(a) {
  assocs.add(a);
  a.on('message', (m) => {
    out({ ev: 'message', id: a.id, stream: m.stream, ppid: m.ppid, hex: Buffer.from(m.data).toString('hex') });
    if (cfg.echo) a.send(m.data, { stream: m.stream, ppid: (m.ppid + 1000) >>> 0 });
  });
  a.on('restart', () => out({ ev: 'restart', id: a.id, info: a.info() }));
  a.on('down', (reason) => {
    assocs.delete(a);
    out({ ev: 'down', id: a.id, reason });
  });
}

async function main() {
  if (cfg.role === 'server') {
    server = await backend.listen({ host: cfg.host, port: cfg.port, inStreams: cfg.inStreams, outStreams: cfg.outStreams });
    server.on('association', (a) => {
      watch(a);
      out({ ev: 'association', id: a.id, info: a.info() });
    });
    out({ ev: 'listening', address: server.address });
  } else {
    const a = await backend.connect({
      host: cfg.host,
      port: cfg.port,
      localHost: cfg.localHost,
      localPort: cfg.localPort,
      timeoutMs: cfg.timeoutMs,
      inStreams: cfg.inStreams,
      outStreams: cfg.outStreams,
    });
    watch(a);
    out({ ev: 'up', id: a.id, info: a.info() });
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const c = JSON.parse(line);
  try {
    if (c.cmd === 'send') {
      const a = [...assocs][0];
      for (const m of c.msgs) a.send(Buffer.from(m.hex, 'hex'), { stream: m.stream, ppid: m.ppid, unordered: m.unordered });
      out({ ev: 'sent', n: c.msgs.length });
    } else if (c.cmd === 'abort') {
      for (const a of [...assocs]) a.abort(c.reason);
    } else if (c.cmd === 'close') {
      rl.close();
      process.stdin.destroy();
      await Promise.all([...assocs].map((a) => a.close()));
      if (server) await server.close();
      await wiresSettled();
      // Give the package's own zero-delay bundling timers one turn, then say what is left.
      setImmediate(() => out({ ev: 'closed', resources: process.getActiveResourcesInfo() }));
    }
  } catch (err) {
    out({ ev: 'error', code: err.code, message: err.message });
  }
});

main().catch((err) => {
  out({ ev: 'error', code: err.code, message: err.message });
  process.exitCode = 3;
  rl.close();
  process.stdin.destroy();
});
