// MGCP decode/encode throughput against tshark dissecting the same messages
// (UDP, 2427 both ways), as a ratio from the same run.
import { createRequire } from 'node:module';
import { MIX } from './mix.mjs';
const require = createRequire(import.meta.url);
const mgcp = require('../dist/index.js');
const { ipv4Udp, LINKTYPE_RAW, opsPerSecond, tsharkPerSecond, benchReport } = require('@snaptel/codec');

const msgs = MIX.map((b) => mgcp.decode(b));
const decode = opsPerSecond((i) => mgcp.decode(MIX[i % MIX.length]));
const encode = opsPerSecond((i) => mgcp.encode(msgs[i % msgs.length]));
const records = MIX.flatMap((b, k) => ipv4Udp(k % 2 === 0 ? { srcPort: 2727, dstPort: 2427 } : { srcPort: 2427, dstPort: 2727 }, [b]));
const tshark = tsharkPerSecond(records, LINKTYPE_RAW);
const avg = Math.round(MIX.reduce((a, b) => a + b.length, 0) / MIX.length);
console.log(benchReport(`mgcp mix (${MIX.length} messages, ${avg} bytes average)`, { decode, encode }, tshark));
