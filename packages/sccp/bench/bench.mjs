// SCCP decode/encode throughput against tshark dissecting the same messages
// as SCCPlite (IPA 0xFD on TCP 5000), as a ratio from the same run.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const sccp = require('../dist/index.js');
const ipa = require('@snaptel/ipa');
const { fromHex, ipv4Tcp, LINKTYPE_RAW, opsPerSecond, tsharkPerSecond, benchReport, repeat } = require('@snaptel/codec');

const MIX = [
  '010102030202040242fe0f1f001d5705080072f4802012c3501710052411033319a208294710020131976100', // CR + Complete L3
  '02010203000003020100', // CC
  '0600000300010f01000c03055c0811813366021345f4', // DT1 (DTAP)
  '06000003000106000420040109', // DT1 (Clear Command)
  '0400000301020300010f02234200', // RLSD
  '05010203000003', // RLC
  '09000305070242fe0242fe06000430040120', // UDT (Reset)
  '090003070b04430100fe04435c00fe10000e52080829471002013197611a0106', // UDT (Paging, PC + SSN)
].map(fromHex);
const msgs = MIX.map((b) => sccp.decode(b));
const decode = opsPerSecond((i) => sccp.decode(MIX[i % MIX.length]));
const encode = opsPerSecond((i) => sccp.encode(msgs[i % msgs.length]));
const tshark = tsharkPerSecond(ipv4Tcp({ srcPort: 40000, dstPort: 5000 }, repeat(MIX.map((b) => ipa.frame('SCCP', b)))), LINKTYPE_RAW);
console.log(benchReport(`sccp SCCPlite mix of ${MIX.length} messages (CR, CC, DT1 x2, RLSD, RLC, UDT x2)`, { decode, encode }, tshark));
