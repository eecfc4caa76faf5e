#!/usr/bin/env node
/**
 * SMS benchmark, in process: MO SMS from one subscriber to another of the
 * same MSC, the whole exchange through MscCore (CM SERVICE REQUEST, CP-DATA/
 * RP-DATA/SMS-SUBMIT, CP-ACK, RP-ACK, paging, PAGING RESPONSE, CP-DATA/
 * RP-DATA/SMS-DELIVER, CP-ACK, RP-ACK, CP-ACK, both clears), every DTAP
 * encoded and decoded by @snaptel/gsm48 on its way as the A interface does.
 * MM runs without authentication and ciphering (that cost is the LU/call
 * bench's). Baseline, same run: the same DTAP messages encoded and decoded
 * with no MSC (the codec work alone). The ratio is what the SMC/SMR/MM
 * machines, the VLR and the router add.
 *
 *     npx tsc -b packages/msc && node packages/msc/bench/sms.mjs
 *     BENCH_SMS=20000 BENCH_RUNS=5 node packages/msc/bench/sms.mjs
 */
import { createRequire } from 'node:module';
const require_ = createRequire(import.meta.url);
const { VirtualClock, TimerTable } = require_('@snaptel/fsm');
const { encode, decode } = require_('@snaptel/gsm48');
const { encode: smsEncode, decode: smsDecode } = require_('@snaptel/sms');
const { SubscriberStore, hlrApi } = require_('@snaptel/hlr');
const { VlrStore } = require_('@snaptel/vlr');
const { MscCore, MSC_TIMERS, MM_DEFAULTS, embeddedHlr, LocalSmsRouter } = require_('../dist/index.js');


const N = Number(process.env.BENCH_SMS ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PAIRS = 100;

const quiet = { info() {}, warn() {}, debug() {} };
const clock = new VirtualClock();
const store = new SubscriberStore();
const hlr = hlrApi(store);
const vlr = new VlrStore();
const imsiOf = (i) => `00101${String(i).padStart(10, '0')}`;
for (let i = 0; i < 2 * PAIRS; i++) {
  hlr.add({ imsi: imsiOf(i), msisdn: String(2000 + i), algo: 'none' });
  const slot = vlr.register(imsiOf(i), { msisdn: String(2000 + i), lac: 23, state: 'attached', lastSeen: clock.now(), luExpiry: clock.now() + 3600_000 });
  vlr.allocateTmsi(slot);
  vlr.confirmTmsi(slot);
}
const core = new MscCore({
  host: clock,
  timers: new TimerTable(MSC_TIMERS),
  log: quiet,
  trace: () => undefined,
  hlr: embeddedHlr(hlr, (n) => Buffer.alloc(n, 7)),
  vlr,
  mm: { ...MM_DEFAULTS, authenticate: false, cipher: false, reallocateTmsi: false },
  page: () => 1,
});
const router = new LocalSmsRouter(core);
core.setSmsRouter(router);

let connId = 1;
class Conn {
  constructor() {
    this.id = connId++;
    this.name = `c${this.id}`;
    this.data = undefined;
    this.last = undefined;
    this.cleared = false;
  }
  sendDtap(d) {
    this.last = decode(encode(d), 'mt');
  }
  sendBssmap() {}
  clear() {
    this.cleared = true;
  }
}
const complete = { discriminator: 'bssmap', type: 'COMPLETE LAYER 3 INFORMATION', ies: {} };
const mo = (m) => decode(encode({ ...m, direction: 'mo' }), 'mo');
const CM2 = { revisionLevel: 1, esInd: true, a51NotAvailable: false, rfPowerCapability: 3, psCapability: false, ssScreeningIndicator: 1, smCapability: true, vbs: false, vgcs: false, frequencyCapability: false, classmark3: false, lcsvaCapability: false, ucs2: false, solsa: false, cmsp: false, a53: false, a52: false };
const submitTpdu = (da) => smsDecode(smsEncode({ type: 'SMS-SUBMIT', rd: false, srr: false, udhi: false, rp: false, mr: 1, da: { ton: 'international', npi: 1, digits: da }, pid: 0, dcs: { value: 0 }, ud: { text: 'benchmark message' } }), 'mo');

function oneSms(i) {
  const a = imsiOf(i % PAIRS);
  const b = imsiOf(PAIRS + (i % PAIRS));
  const ca = new Conn();
  core.onCompleteL3(ca, mo({ pd: 'mm', type: 'CM Service Request', ies: { cmServiceType: 4, cksn: 0, classmark2: CM2, mobileIdentity: { type: 'imsi', digits: a } } }), complete);
  core.onDtap(ca, mo({ pd: 'sms', type: 'CP-DATA', tiFlag: 0, ti: 0, ies: { rpdu: { type: 'RP-DATA', direction: 'mo', mr: i & 0xff, originator: null, destination: { ton: 1, npi: 1, digits: '0' }, userData: submitTpdu(String(2000 + PAIRS + (i % PAIRS))) } } }));
  core.onDtap(ca, mo({ pd: 'sms', type: 'CP-ACK', tiFlag: 0, ti: 0, ies: {} }));
  core.onReleased(ca, 'released');
  const cb = new Conn();
  core.onCompleteL3(cb, mo({ pd: 'rr', type: 'Paging Response', ies: { cksn: 0, spareHalfOctet: 0, classmark2: CM2, mobileIdentity: { type: 'imsi', digits: b } } }), complete);
  const mr = cb.last.ies.rpdu.mr;
  core.onDtap(cb, mo({ pd: 'sms', type: 'CP-ACK', tiFlag: 1, ti: 0, ies: {} }));
  core.onDtap(cb, mo({ pd: 'sms', type: 'CP-DATA', tiFlag: 1, ti: 0, ies: { rpdu: { type: 'RP-ACK', direction: 'mo', mr } } }));
  if (!cb.cleared || !ca.cleared) throw new Error(`SMS ${i}: not completed`);
  core.onReleased(cb, 'released');
}

/** The same messages, codec work only. */
function baseline(i) {
  const da = String(2000 + PAIRS + (i % PAIRS));
  mo({ pd: 'mm', type: 'CM Service Request', ies: { cmServiceType: 4, cksn: 0, classmark2: CM2, mobileIdentity: { type: 'imsi', digits: imsiOf(i % PAIRS) } } });
  const mt = (m) => decode(encode({ ...m, direction: 'mt' }), 'mt');
  mt({ pd: 'mm', type: 'CM Service Accept', ies: {} });
  const sub = mo({ pd: 'sms', type: 'CP-DATA', tiFlag: 0, ti: 0, ies: { rpdu: { type: 'RP-DATA', direction: 'mo', mr: i & 0xff, originator: null, destination: { ton: 1, npi: 1, digits: '0' }, userData: submitTpdu(da) } } });
  mt({ pd: 'sms', type: 'CP-ACK', tiFlag: 1, ti: 0, ies: {} });
  mt({ pd: 'sms', type: 'CP-DATA', tiFlag: 1, ti: 0, ies: { rpdu: { type: 'RP-ACK', direction: 'mt', mr: i & 0xff } } });
  mo({ pd: 'sms', type: 'CP-ACK', tiFlag: 0, ti: 0, ies: {} });
  mo({ pd: 'rr', type: 'Paging Response', ies: { cksn: 0, spareHalfOctet: 0, classmark2: CM2, mobileIdentity: { type: 'imsi', digits: imsiOf(PAIRS + (i % PAIRS)) } } });
  const tp = sub.ies.rpdu.userData;
  mt({ pd: 'sms', type: 'CP-DATA', tiFlag: 0, ti: 0, ies: { rpdu: { type: 'RP-DATA', direction: 'mt', mr: 1, originator: { ton: 1, npi: 1, digits: '0' }, destination: null, userData: { type: 'SMS-DELIVER', mms: true, rp: false, udhi: false, sri: false, oa: { ton: 'international', npi: 1, digits: '2000' }, pid: 0, dcs: tp.dcs, scts: { year: 26, month: 1, day: 1, hour: 0, minute: 0, second: 0, tz: 0 }, ud: tp.ud } } } });
  mo({ pd: 'sms', type: 'CP-ACK', tiFlag: 1, ti: 0, ies: {} });
  mo({ pd: 'sms', type: 'CP-DATA', tiFlag: 1, ti: 0, ies: { rpdu: { type: 'RP-ACK', direction: 'mo', mr: 1 } } });
  mt({ pd: 'sms', type: 'CP-ACK', tiFlag: 0, ti: 0, ies: {} });
}

function time(fn, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// Warm-up, then alternating measured runs.
time(oneSms, Math.min(N, 1000));
time(baseline, Math.min(N, 1000));
const msc = [];
const base = [];
for (let r = 0; r < RUNS; r++) {
  msc.push(N / time(oneSms, N));
  base.push(N / time(baseline, N));
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const m = median(msc);
const b = median(base);
const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`SMS MO -> MT through MscCore (${N} SMS x ${RUNS} runs, median): ${fmt(m)} SMS/s`);
console.log(`baseline, the same DTAP encoded+decoded only:                ${fmt(b)} SMS/s`);
console.log(`ratio MSC / codec-only: ${(b / m).toFixed(2)}x the cost (counters: ${JSON.stringify({ delivered: core.counters['sms-mt-delivered'], mo: core.counters['sms-mo-accepted'] })})`);
