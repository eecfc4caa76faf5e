// Vectors per second for each algorithm, network side (authVector) and MS
// side (msAuthenticate), against a baseline measured in the same run: Node's
// aes-128-ecb encrypting one block with a fresh cipher context (what one
// MILENAGE step costs when done naively). Bounded loops, no network.
import { createRequire } from 'node:module';
import { createCipheriv, randomBytes } from 'node:crypto';
const require = createRequire(import.meta.url);
const auth = require('../dist/index.js');
const { opsPerSecond } = require('@snaptel/codec');

const N = 256; // distinct keys/RANDs cycled through
const keys = Array.from({ length: N }, () => new Uint8Array(randomBytes(16)));
const opcs = Array.from({ length: N }, () => new Uint8Array(randomBytes(16)));
const rands = Array.from({ length: N }, () => new Uint8Array(randomBytes(16)));
const subs = (algo) => keys.map((ki, i) => ({ algo, ki, opc: opcs[i], sqn: 32 * (i + 1) }));
const sub = { comp128v1: subs('comp128v1'), xor: subs('xor'), milenage: subs('milenage') };
const autns = sub.milenage.map((s, i) => auth.authVector(s, rands[i]).autn);
const sims = sub.milenage.map((s) => ({ algo: 'milenage', ki: s.ki, opc: s.opc, sqnMs: s.sqn - 32 }));

const block = new Uint8Array(16);
const aes = (i) => {
  const c = createCipheriv('aes-128-ecb', keys[i % N], null);
  c.setAutoPadding(false);
  return c.update(block);
};

const rates = {
  'aes-128-ecb, 1 block (baseline)': opsPerSecond(aes),
  'comp128v1  authVector': opsPerSecond((i) => auth.authVector(sub.comp128v1[i % N], rands[i % N])),
  'xor (2G)   authVector': opsPerSecond((i) => auth.authVector(sub.xor[i % N], rands[i % N])),
  'milenage   authVector': opsPerSecond((i) => auth.authVector(sub.milenage[i % N], rands[i % N])),
  'milenage   msAuthenticate (AUTN check)': opsPerSecond((i) => auth.msAuthenticate(sims[i % N], rands[i % N], autns[i % N])),
  'milenage   opcFromOp': opsPerSecond((i) => auth.opcFromOp(keys[i % N], opcs[i % N])),
  'xor-3G     xor3g': opsPerSecond((i) => auth.xor3g(keys[i % N], rands[i % N], block.subarray(0, 6), block.subarray(0, 2))),
};
const base = rates['aes-128-ecb, 1 block (baseline)'];
const w = Math.max(...Object.keys(rates).map((k) => k.length));
console.log(`@snaptel/auth vectors per second (node ${process.version}), ratio to one aes-128-ecb block with a fresh context`);
for (const [k, v] of Object.entries(rates)) console.log(`  ${k.padEnd(w)}  ${Math.round(v).toLocaleString('en').padStart(10)} /s  (${(v / base).toFixed(2)}x)`);
