// Decode/encode throughput for a realistic SMS TPDU mix, against tshark
// dissecting the same TPDUs from a pcapng, as a ratio from the same run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const sms = require('../dist/index.js');

const ts = { year: 24, month: 5, day: 17, hour: 13, minute: 45, second: 9, tz: 8 };
const da = { ton: 'international', npi: 1, digits: '447700900123' };
const mix = [
  ['mt', { type: 'SMS-DELIVER', oa: da, pid: 0, dcs: { value: 0 }, scts: ts, ud: { text: 'Your code is 123456. Do not share it with anyone.' } }],
  ['mo', { type: 'SMS-SUBMIT', mr: 1, da, pid: 0, dcs: { value: 0 }, vp: { format: 'relative', value: 167 }, ud: { text: 'See you at 8, bring the {usual} stuff' } }],
  ['mt', { type: 'SMS-DELIVER', oa: da, pid: 0, dcs: { value: 0 }, scts: ts, ud: { header: [{ type: 'concat8', ref: 7, total: 2, seq: 1 }], text: 'x'.repeat(153) } }],
  ['mo', { type: 'SMS-SUBMIT', mr: 2, da, pid: 0, dcs: { value: 8 }, ud: { text: 'Привет, как дела? 你好' } }],
  ['mt', { type: 'SMS-STATUS-REPORT', mr: 1, ra: da, scts: ts, dt: ts, st: 0 }],
  ['mt', { type: 'SMS-DELIVER', oa: { ton: 'alphanumeric', npi: 0, text: 'MyBank' }, pid: 0, dcs: { value: 0 }, scts: ts, ud: { text: 'Payment received' } }],
];
const wire = mix.map(([dir, m]) => [dir, sms.encode(m)]);
const decoded = wire.map(([dir, b]) => sms.decode(b, dir));

function rate(fn, ms = 1000) {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) n += fn(i);
  return n / (ms / 1000);
}
rate((i) => (sms.decode(wire[i % wire.length][1], wire[i % wire.length][0]), 1), 200); // warm-up
const dec = rate((i) => (sms.decode(wire[i % wire.length][1], wire[i % wire.length][0]), 1));
const enc = rate((i) => (sms.encode(decoded[i % decoded.length]), 1));

// tshark: the same mix repeated, dissected in full (-V), timed end to end minus an empty-capture run
const N = 6000;
const recs = Array.from({ length: N }, (_, i) => ({ data: wire[i % wire.length][1], direction: wire[i % wire.length][0] === 'mo' ? 'in' : 'out' }));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sms-bench-'));
let tsharkRate = NaN;
try {
  const file = path.join(dir, 'mix.pcapng');
  const empty = path.join(dir, 'empty.pcapng');
  fs.writeFileSync(file, sms.pcapng(recs, 147));
  fs.writeFileSync(empty, sms.pcapng([], 147));
  const args = (f) => ['-n', '-r', f, '-V', '-o', 'uat:user_dlts:"User 0 (DLT=147)","gsm_sms","0","","0",""', '-o', 'gsm_sms.reassemble:FALSE'];
  const run = (f) => {
    const t = performance.now();
    const r = spawnSync('tshark', args(f), { stdio: ['ignore', 'ignore', 'ignore'], timeout: 60_000 });
    if (r.status !== 0) throw new Error(`tshark exited ${r.status}`);
    return performance.now() - t;
  };
  const base = run(empty);
  const full = run(file);
  tsharkRate = N / ((full - base) / 1000);
} catch (e) {
  console.error('tshark unavailable:', e.message);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const f = (x) => Math.round(x).toLocaleString('en');
console.log(`sms mix (${mix.length} TPDUs: 7-bit single, concatenated with UDH, UCS2, status report, alphanumeric sender)`);
console.log(`  decode  ${f(dec)} msg/s`);
console.log(`  encode  ${f(enc)} msg/s`);
console.log(`  tshark  ${f(tsharkRate)} msg/s (${N} packets, -V, startup subtracted)`);
console.log(`  ratio   decode/tshark ${(dec / tsharkRate).toFixed(1)}x, encode/tshark ${(enc / tsharkRate).toFixed(1)}x`);
