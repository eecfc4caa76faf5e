// GSUP decode/encode throughput against tshark dissecting the same messages
// (in IPA frames on TCP 4222), as a ratio from the same run.
import { createRequire } from 'node:module';
import { MIX } from './mix.mjs';
const require = createRequire(import.meta.url);
const gsup = require('../dist/index.js');
const { ipv4Tcp, LINKTYPE_RAW, opsPerSecond, tsharkPerSecond, benchReport, repeat } = require('@snaptel/codec');

const msgs = MIX.map((b) => gsup.decode(b));
const decode = opsPerSecond((i) => gsup.decode(MIX[i % MIX.length]));
const encode = opsPerSecond((i) => gsup.encode(msgs[i % msgs.length]));
const tshark = tsharkPerSecond(ipv4Tcp({ srcPort: 40000, dstPort: 4222 }, repeat(msgs.map((m) => gsup.encodeIpa(m)))), LINKTYPE_RAW);
console.log(benchReport(`gsup mix of ${MIX.length} messages (SAI, UL, ISD, MO-forwardSM)`, { decode, encode }, tshark));
