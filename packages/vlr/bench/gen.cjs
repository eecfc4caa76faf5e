'use strict';
/**
 * Deterministic VLR registrations for the benches: registration(i) is the
 * same in every process. The population is meant to look like a busy lab
 * VLR an hour after a restart: IMSIs of one PLMN (MCC 001, MNC 01) scattered
 * over the MSIN space, 20 location areas, 1500 cells, last seen within the
 * last hour (T3212 60 min), a Kc for everyone, an IMEISV from 40 handset
 * models, 5 classmarks, 3% IMSI-detached, two cached auth triplets each.
 * TMSIs are allocated by the store (bench.cjs passes a seeded random).
 */

const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z: fixed, so that two deploys build the same heap
const HOUR = 3_600_000;
const TACS = Array.from({ length: 40 }, (_, k) => String(35_000_000 + k * 104_729).padStart(8, '0'));
const CLASSMARKS = ['33185f', '335981', '5ba1e2', '53195f', '331981'];

/** mulberry32 step from a seed: 32 pseudo-random bits. */
function rand32(seed) {
  let t = (seed + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

const hex32 = (x) => x.toString(16).padStart(8, '0');

/** Registration i: { imsi, fields, triplets } for VlrStore.register / pushTriplets. */
function registration(i) {
  const h = rand32(i);
  const h2 = rand32(i + 0x40000000);
  const lastSeen = NOW - (h % HOUR);
  return {
    // i -> i * 2654435761 mod 10^10 is a bijection (the factor is prime to 10): distinct MSINs, scattered.
    imsi: '00101' + String((i * 2654435761 + 12345) % 1e10).padStart(10, '0'),
    fields: {
      msisdn: '4917' + String(10_000_000 + ((i * 7919) % 90_000_000)),
      lac: 0x1000 + (h % 20),
      cellId: 1 + ((h >>> 8) % 1500),
      state: h2 % 100 < 3 ? 'detached' : 'attached',
      lastSeen,
      luExpiry: lastSeen + HOUR,
      kc: hex32(rand32(3 * i + 1)) + hex32(rand32(3 * i + 2)),
      cksn: h2 % 7,
      imeisv: TACS[h2 % 40] + String(rand32(3 * i + 3) % 1_000_000).padStart(6, '0') + '0' + String(h % 10),
      classmark2: CLASSMARKS[(h2 >>> 8) % 5],
      authenticated: true,
      hlrConfirmed: true,
    },
    triplets: [0, 1].map((k) => ({
      rand: [0, 1, 2, 3].map((w) => hex32(rand32(i * 16 + k * 8 + w + 7))).join(''),
      sres: hex32(rand32(i * 16 + k * 8 + 4 + 7)),
      kc: hex32(rand32(i * 16 + k * 8 + 5 + 7)) + hex32(rand32(i * 16 + k * 8 + 6 + 7)),
    })),
  };
}

/** A seeded random source in [0, 1) for allocateTmsi, so that TMSIs are the same in every deploy. */
function seededRandom(seed = 1) {
  let s = seed >>> 0;
  return () => {
    s = (s + 1) >>> 0;
    return rand32(s) / 4294967296;
  };
}

/**
 * A VlrStore (from `vlr`, the package's exports) holding registrations 0..n-1,
 * each with a confirmed TMSI and its triplets cached.
 */
function buildStore(vlr, n) {
  const store = new vlr.VlrStore({ random: seededRandom(), now: () => NOW });
  for (let i = 0; i < n; i++) {
    const r = registration(i);
    const slot = store.register(r.imsi, r.fields);
    store.allocateTmsi(slot);
    store.confirmTmsi(slot);
    store.pushTriplets(slot, r.triplets);
  }
  return store;
}

/** The baseline: the same registrations as plain objects (TMSI from the same random sequence) in a Map by IMSI. */
function buildMap(n) {
  const random = seededRandom();
  const map = new Map();
  for (let i = 0; i < n; i++) {
    const r = registration(i);
    map.set(r.imsi, { imsi: r.imsi, ...r.fields, tmsi: Math.floor(random() * 4294967296) & 0x3fffffff, tmsiNew: 0xffffffff, triplets: r.triplets });
  }
  return map;
}

module.exports = { registration, buildStore, buildMap, seededRandom, NOW };
