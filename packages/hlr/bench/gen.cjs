'use strict';
/**
 * Deterministic subscriber records for the benches: subscriber(i) is the same
 * in every process. Every record has an MSISDN and a Ki; every other one an
 * OPc (Milenage), the rest COMP128v1. The shape is the same for all records.
 */

/** mulberry32 step from a seed: 32 pseudo-random bits. */
function rand32(seed) {
  let t = (seed + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

function hex128(seed) {
  let s = '';
  for (let k = 0; k < 4; k++) s += rand32(seed * 4 + k).toString(16).padStart(8, '0');
  return s;
}

/** Subscriber i as SubscriberInput (also what the Map baseline keeps, as is). */
function subscriber(i) {
  const milenage = i % 2 === 1;
  return {
    imsi: '00101' + String(i).padStart(10, '0'), // 15 digits, MCC 001 MNC 01
    msisdn: '4917' + String(10_000_000 + ((i * 7919) % 90_000_000)), // 12 digits, unique for i < 9e7 (7919 prime)
    ki: hex128(2 * i),
    opc: milenage ? hex128(2 * i + 1) : undefined,
    algo: milenage ? 'milenage' : 'comp128v1',
    sqn: i % 1000,
    cs: true,
    ps: i % 10 !== 0,
  };
}

module.exports = { subscriber };
