// Decode/encode throughput for a realistic TPDU mix, against tshark
// dissecting the same TPDUs (gsm_sms on a user DLT, pcapng with the
// direction of each), as a ratio from the same run.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const sms = require('../dist/index.js');
const { userDlt, LINKTYPE_USER0, opsPerSecond, tsharkPerSecond, benchReport } = require('@snaptel/codec');

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

const decode = opsPerSecond((i) => sms.decode(wire[i % wire.length][1], wire[i % wire.length][0]));
const encode = opsPerSecond((i) => sms.encode(decoded[i % decoded.length]));
const records = wire.map(([dir, data]) => ({ data, direction: dir === 'mo' ? 'in' : 'out' }));
const tshark = tsharkPerSecond(records, LINKTYPE_USER0, [...userDlt('gsm_sms'), '-o', 'gsm_sms.reassemble:FALSE']);
console.log(benchReport(`sms mix (${mix.length} TPDUs: 7-bit single, concatenated with UDH, UCS2, status report, alphanumeric sender)`, { decode, encode }, tshark));
