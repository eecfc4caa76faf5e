'use strict';
/**
 * Bench-only snaptel package (used by ../resume.mjs): an HLR-like in-memory
 * subscriber table, so that the benchmark can resume images whose heap grows
 * with config.count.
 *
 * start() builds config.count subscriber records in a Map keyed by IMSI and
 * opens one TCP listener. The listener answers one IMSI per line with the
 * record as JSON (or "unknown"), so the table is really used; the benchmark
 * only connects to it.
 *
 * The data is deterministic (a seeded PRNG, no crypto): two deploys with the
 * same count build the same heap.
 */

const MCC_MNC = '00101'; // test network: MCC 001, MNC 01
const STATES = ['attached', 'detached', 'idle', 'roaming', 'purged'];
const DAY_MS = 86_400_000;

/** mulberry32: a small 32-bit PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex32(rand) {
  return (Math.floor(rand() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
}

/** One subscriber, as an HLR/HSS keeps it. */
function subscriber(i, rand, now) {
  return {
    imsi: MCC_MNC + String(i).padStart(10, '0'), // 15 digits: MCC + MNC + MSIN
    msisdn: '4917' + String(10_000_000 + ((i * 7919) % 90_000_000)), // E.164 without '+', 12 digits
    ki: hex32(rand) + hex32(rand) + hex32(rand) + hex32(rand), // 128-bit authentication key, hex
    lac: 1 + Math.floor(rand() * 65_534), // location area code
    state: STATES[Math.floor(rand() * STATES.length)],
    lastSeen: now - Math.floor(rand() * 30 * DAY_MS), // ms since the epoch
  };
}

const table = new Map();

module.exports = {
  name: 'subscribers',
  version: '0.1.0',

  start(ctx, config) {
    const count = config.count ?? 10_000;
    const rand = prng(config.seed ?? 1);
    const now = Date.now();
    const t0 = Date.now();
    for (let i = 0; i < count; i++) {
      const s = subscriber(i, rand, now);
      table.set(s.imsi, s);
    }
    ctx.net.listen({
      name: 'lookup',
      host: config.host ?? '127.0.0.1',
      port: config.port ?? 0,
      onConnection(sock) {
        let pending = '';
        sock.on('data', (d) => {
          pending += d.toString('latin1');
          let nl;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const imsi = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            const s = table.get(imsi);
            sock.write((s ? JSON.stringify(s) : 'unknown') + '\n');
          }
        });
      },
    });
    ctx.log.info({ subscribers: table.size, buildMs: Date.now() - t0 }, 'subscriber table built');
  },

  returnedFromSnapshot(ctx) {
    ctx.log.info({ subscribers: table.size }, 'subscriber table resumed');
  },
};
