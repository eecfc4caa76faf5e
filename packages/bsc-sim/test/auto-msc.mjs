// An automatic fake MSC for the scenario tests and the bench: it listens on
// 127.0.0.1, runs IPA CCM (ID_GET, ID_ACK, PONG), acknowledges RESET, accepts
// every connection and answers with the smallest correct sequence: LU ->
// (authentication with the AuC side of @snaptel/auth, ciphering) -> ACCEPT
// with a new TMSI -> clear; CM service -> SETUP -> paging of the callee by
// MSISDN -> both legs set up, assigned, connected -> released from A ->
// clear both; SMS: CM service -> CP-DATA(RP-DATA(SMS-SUBMIT)) -> CP-ACK,
// CP-DATA(RP-ACK) (RP-ERROR cause 1 for an unknown number) -> the callee is
// paged -> CP-DATA(RP-DATA(SMS-DELIVER)) -> CP-ACK from the MS, its RP-ACK ->
// CP-ACK -> clear; IMSI detach -> clear. Built on the codec packages only; it
// shares no code with the simulator. Plain JS so that bench/run.mjs can use it.
import { createRequire } from 'node:module';
import * as net from 'node:net';

const require = createRequire(import.meta.url);
const { toHex, fromHex } = require('@snaptel/codec');
const { IpaDeframer, encode: ipaEncode, frame, unframe } = require('@snaptel/ipa');
const sccp = require('@snaptel/sccp');
const bssap = require('@snaptel/bssap');

const MSC_PC = 185;
const BSC_PC = 187;
const ssn = (pc) => ({ routing: 'ssn', pc, ssn: 254 });
const cause = (value) => ({ codingStandard: 3, location: 2, value });
const dtap = (pd, type, ies = {}, ti) => {
  const m = { pd, type, direction: 'mt', ies };
  if (pd === 'mm') m.skip = 0;
  if (pd === 'mm' || pd === 'cc') m.seq = 0;
  if (ti) Object.assign(m, ti);
  return { discriminator: 'dtap', dlci: pd === 'sms' ? 0x03 : 0, dtap: m };
};
/** Time the MSC keeps an SMS connection after the last transaction ended (more parts may follow). */
const SMS_LINGER_MS = 50;
const bssmap = (type, ies = {}) => ({ discriminator: 'bssmap', type, ies });

export class AutoMsc {
  /**
   * subscribers: [{ imsi, msisdn, ki, algo }] (subscriberAt() of the scenario);
   * auth: run authentication (COMP128v1 / XOR via @snaptel/auth's authVector) and ciphering.
   */
  constructor(server, opts) {
    this.server = server;
    this.auth = opts.auth ?? false;
    this.subs = new Map((opts.subscribers ?? []).map((s) => [s.imsi, s]));
    this.byMsisdn = new Map((opts.subscribers ?? []).map((s) => [s.msisdn, s.imsi]));
    this.byTmsi = new Map();
    this.tmsiOf = new Map();
    this.nextTmsi = 0x10000000;
    this.nextRef = 1;
    this.conns = new Map();
    this.pages = new Map();
    this.stats = { received: 0, sent: 0, lu: 0, luRejected: 0, calls: 0, detach: 0, smsMo: 0, smsMoRejected: 0, smsMt: 0, smsMtRejected: 0, protocolErrors: [] };
    this.smsQueue = new Map();
    this.nextSmsRef = 0;
    this.authVector = this.auth ? require('@snaptel/auth').authVector : undefined;
    server.on('connection', (s) => this.onConnection(s));
  }

  static async start(opts = {}) {
    const server = net.createServer();
    await new Promise((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
    return new AutoMsc(server, opts);
  }

  get port() {
    return this.server.address().port;
  }

  async close() {
    this.sock?.destroy();
    await new Promise((r) => this.server.close(r));
  }

  onConnection(s) {
    this.sock?.destroy();
    this.sock = s;
    s.setNoDelay(true);
    const d = new IpaDeframer();
    s.on('data', (chunk) => {
      s.cork();
      for (const f of d.push(chunk)) this.onFrame(f);
      process.nextTick(() => s.uncork());
    });
    s.on('error', () => {});
    this.write(ipaEncode({ proto: 'CCM', ccm: { type: 'ID_GET', tags: [{ tag: 'UNITNAME' }] } }));
  }

  write(bytes) {
    this.sock.write(bytes);
  }

  sendSccp(m) {
    this.stats.sent++;
    this.write(frame('SCCP', sccp.encode(m)));
  }

  udt(b) {
    this.sendSccp({ type: 'UDT', protocolClass: { class: 0, handling: 0 }, called: ssn(BSC_PC), calling: ssn(MSC_PC), data: toHex(bssap.encode(b)) });
  }

  dt1(c, b) {
    this.sendSccp({ type: 'DT1', dstRef: c.bscRef, segmentingReassembling: 0, data: toHex(bssap.encode(b)) });
  }

  onFrame(f) {
    const u = unframe(f);
    if (u.proto === 0xfe) {
      const t = u.payload[0];
      if (t === 0x05) this.write(ipaEncode({ proto: 'CCM', ccm: { type: 'ID_ACK' } }));
      else if (t === 0x00) this.write(ipaEncode({ proto: 'CCM', ccm: { type: 'PONG' } }));
      return;
    }
    if (u.proto !== 0xfd) return;
    this.stats.received++;
    const m = sccp.decode(u.payload);
    try {
      this.onSccp(m);
    } catch (e) {
      this.stats.protocolErrors.push(String(e));
    }
  }

  onSccp(m) {
    if (m.type === 'UDT') {
      const b = bssap.decode(fromHex(m.data), 'mo');
      if (b.type === 'RESET') this.udt(bssmap('RESET ACKNOWLEDGE'));
      return;
    }
    if (m.type === 'CR') {
      const b = bssap.decode(fromHex(m.data), 'mo');
      const l3 = b.ies.layer3Information;
      const c = { bscRef: m.srcRef, mscRef: this.nextRef++, imsi: this.identify(l3.ies.mobileIdentity), l3: l3.type };
      this.conns.set(c.mscRef, c);
      this.sendSccp({ type: 'CC', dstRef: c.bscRef, srcRef: c.mscRef, protocolClass: { class: 2, handling: 0 } });
      this.start(c, l3);
      return;
    }
    const c = this.conns.get(m.dstRef);
    if (!c) return;
    if (m.type === 'RLC') {
      this.conns.delete(c.mscRef);
      return;
    }
    if (m.type === 'RLSD') {
      this.sendSccp({ type: 'RLC', dstRef: m.srcRef, srcRef: m.dstRef });
      this.conns.delete(c.mscRef);
      return;
    }
    if (m.type !== 'DT1') return;
    const b = bssap.decode(fromHex(m.data), 'mo');
    this.onMessage(c, b.discriminator === 'bssmap' ? b.type : b.dtap.type, b);
  }

  identify(mi) {
    if (mi.type === 'imsi') return mi.digits;
    if (mi.type === 'tmsi') return this.byTmsi.get(mi.tmsi);
    return undefined;
  }

  clear(c) {
    c.clearing = true;
    this.dt1(c, bssmap('CLEAR COMMAND', { cause: 9 }));
  }

  /** After identification: authentication and ciphering when asked for, then `then()`. */
  secure(c, then) {
    if (!this.auth) return then();
    const sub = this.subs.get(c.imsi);
    if (!sub) return then();
    const rand = new Uint8Array(16).map((_, i) => (i * 7 + c.mscRef) & 0xff);
    const v = this.authVector({ algo: sub.algo, ki: fromHex(sub.ki) }, rand);
    c.expectSres = toHex(v.sres);
    c.kc = toHex(v.kc);
    c.afterAuth = then;
    this.dt1(c, dtap('mm', 'Authentication Request', { cksn: 0, spareHalfOctet: 0, rand: toHex(rand) }));
  }

  start(c, l3) {
    switch (l3.type) {
      case 'Location Updating Request':
        if (!c.imsi) {
          c.needImsi = true;
          this.dt1(c, dtap('mm', 'Identity Request', { identityType: 1, spareHalfOctet: 0 }));
          return;
        }
        return this.secure(c, () => this.luAccept(c));
      case 'CM Service Request':
        return this.secure(c, () => {
          if (!this.auth) this.dt1(c, dtap('mm', 'CM Service Accept'));
        });
      case 'Paging Response': {
        if (this.smsQueue.get(c.imsi)?.length) return this.secure(c, () => this.deliverNext(c));
        const call = this.pages.get(c.imsi);
        this.pages.delete(c.imsi);
        if (!call) return this.clear(c);
        call.b = c;
        c.call = call;
        return this.secure(c, () => {
          this.dt1(c, dtap('cc', 'Setup', { callingPartyBcdNumber: { ton: 0, npi: 1, digits: call.calling }, bearerCapability1: { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 0, speechVersions: [4, 2, 0] } }, { ti: 0, tiFlag: 0 }));
        });
      }
      case 'IMSI Detach Indication':
        this.stats.detach++;
        return this.clear(c);
      default:
        return this.clear(c);
    }
  }

  /** MT SMS: the next queued SMS-DELIVER for this subscriber on TI 0, or clear when none is left. */
  deliverNext(c) {
    const q = this.smsQueue.get(c.imsi) ?? [];
    const tpdu = q.shift();
    if (!q.length) this.smsQueue.delete(c.imsi);
    if (!tpdu) return this.lingerClear(c);
    c.mtRpMr = (this.nextSmsRef++ & 0xff);
    const rp = { type: 'RP-DATA', direction: 'mt', mr: c.mtRpMr, originator: { ton: 1, npi: 1, digits: '0000' }, destination: null, userData: tpdu };
    this.dt1(c, dtap('sms', 'CP-DATA', { rpdu: rp }, { ti: 0, tiFlag: 0 }));
  }

  lingerClear(c) {
    clearTimeout(c.linger);
    c.linger = setTimeout(() => {
      if (this.conns.has(c.mscRef) && !c.clearing) this.clear(c);
    }, SMS_LINGER_MS);
  }

  /** An SMS CP message from the MS. */
  onSms(c, m) {
    clearTimeout(c.linger);
    const mo = m.tiFlag === 0; // the MS allocated the TI
    const ti = { ti: m.ti, tiFlag: mo ? 1 : 0 };
    if (m.type === 'CP-ACK') {
      if (mo) this.lingerClear(c); // the MS acknowledged our RP-ACK / RP-ERROR: its transaction is over
      return;
    }
    if (m.type !== 'CP-DATA') return this.lingerClear(c);
    this.dt1(c, dtap('sms', 'CP-ACK', {}, ti));
    const rp = m.ies.rpdu;
    if (mo) {
      if (rp.type === 'RP-SMMA') return this.dt1(c, dtap('sms', 'CP-DATA', { rpdu: { type: 'RP-ACK', direction: 'mt', mr: rp.mr } }, ti));
      const submit = rp.userData;
      const to = submit?.da?.digits;
      const imsiB = to !== undefined ? this.byMsisdn.get(to) : undefined;
      if (!imsiB) {
        this.stats.smsMoRejected++;
        return this.dt1(c, dtap('sms', 'CP-DATA', { rpdu: { type: 'RP-ERROR', direction: 'mt', mr: rp.mr, cause: { value: 1 } } }, ti));
      }
      this.stats.smsMo++;
      this.dt1(c, dtap('sms', 'CP-DATA', { rpdu: { type: 'RP-ACK', direction: 'mt', mr: rp.mr } }, ti));
      const from = this.subs.get(c.imsi)?.msisdn ?? '';
      const d = new Date();
      const deliver = {
        type: 'SMS-DELIVER', mms: true, udhi: submit.udhi, oa: { ton: 'unknown', npi: 1, digits: from }, pid: 0, dcs: submit.dcs,
        scts: { year: d.getUTCFullYear() % 100, month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), tz: 0 },
        ud: submit.ud,
      };
      const q = this.smsQueue.get(imsiB) ?? [];
      q.push(deliver);
      this.smsQueue.set(imsiB, q);
      if (q.length === 1) {
        const pagingIes = { imsi: { type: 'imsi', digits: imsiB }, cellIdentifierList: { discriminator: 'lac', cells: [{ lac: 1 }] } };
        const t = this.tmsiOf.get(imsiB);
        if (t !== undefined) pagingIes.tmsi = t;
        this.udt(bssmap('PAGING', pagingIes));
      }
      return;
    }
    // MT: the MS's RP-ACK or RP-ERROR for our RP-DATA
    if (rp.type === 'RP-ACK') this.stats.smsMt++;
    else this.stats.smsMtRejected++;
    this.deliverNext(c);
  }

  luAccept(c) {
    const tmsi = this.nextTmsi++;
    const old = this.tmsiOf.get(c.imsi);
    if (old !== undefined) this.byTmsi.delete(old);
    this.tmsiOf.set(c.imsi, tmsi);
    this.byTmsi.set(tmsi, c.imsi);
    c.newTmsi = tmsi;
    this.dt1(c, dtap('mm', 'Location Updating Accept', { lai: { mcc: '001', mnc: '01', lac: 1 }, mobileIdentity: { type: 'tmsi', tmsi } }));
  }

  assign(c, port) {
    this.dt1(c, bssmap('ASSIGNMENT REQUEST', {
      channelType: { indicator: 1, rateType: 0x08, permittedSpeech: [0x21, 0x01] },
      aoipTransportLayerAddress: { ip: '127.0.0.1', port },
      speechCodecList: { codecs: [{ fi: true, pi: false, pt: false, tf: false, type: 3, config: 0x0002 }, { fi: true, pi: false, pt: false, tf: false, type: 0 }] },
    }));
  }

  onMessage(c, name, b) {
    const ti = (flag) => ({ ti: 0, tiFlag: flag });
    if (b.discriminator === 'dtap' && b.dtap.pd === 'sms') return this.onSms(c, b.dtap);
    switch (name) {
      case 'Identity Response':
        c.imsi = b.dtap.ies.mobileIdentity.digits;
        return this.secure(c, () => this.luAccept(c));
      case 'Authentication Response':
        if (toHex(fromHex(b.dtap.ies.sres)) !== c.expectSres) {
          this.stats.luRejected++;
          this.dt1(c, dtap('mm', 'Authentication Reject'));
          return this.clear(c);
        }
        this.dt1(c, bssmap('CIPHER MODE COMMAND', { encryptionInformation: { permitted: [1], key: c.kc } }));
        return;
      case 'CIPHER MODE COMPLETE':
        return c.afterAuth();
      case 'CM Service Request': // on a connection that is there already
        clearTimeout(c.linger);
        this.dt1(c, dtap('mm', 'CM Service Accept'));
        return;
      case 'TMSI Reallocation Complete':
        this.stats.lu++;
        return this.clear(c);
      case 'CLEAR COMPLETE':
        this.sendSccp({ type: 'RLSD', dstRef: c.bscRef, srcRef: c.mscRef, releaseCause: 0 });
        return;
      case 'CLEAR REQUEST':
        return this.clear(c);
      // ---- call, A side (MO) ----
      case 'Setup': {
        const imsiB = this.byMsisdn.get(b.dtap.ies.calledPartyBcdNumber.digits);
        const sub = this.subs.get(c.imsi);
        const call = { a: c, calling: sub ? sub.msisdn : '' };
        c.call = call;
        this.dt1(c, dtap('cc', 'Call Proceeding', {}, ti(1)));
        this.assign(c, 7000 + 2 * (c.mscRef % 1000));
        if (!imsiB) {
          this.dt1(c, dtap('cc', 'Disconnect', { cause: cause(1) }, ti(1)));
          return;
        }
        this.pages.set(imsiB, call);
        const pagingIes = { imsi: { type: 'imsi', digits: imsiB }, cellIdentifierList: { discriminator: 'lac', cells: [{ lac: 1 }] } };
        const t = this.tmsiOf.get(imsiB);
        if (t !== undefined) pagingIes.tmsi = t;
        this.udt(bssmap('PAGING', pagingIes));
        return;
      }
      case 'Connect Acknowledge':
        if (c.call && c.call.a === c) this.stats.calls++;
        return;
      case 'Disconnect': // A hangs up
        this.dt1(c, dtap('cc', 'Release', {}, ti(1)));
        if (c.call?.b) this.dt1(c.call.b, dtap('cc', 'Disconnect', { cause: cause(16) }, ti(0)));
        return;
      case 'Release Complete':
        return this.clear(c);
      // ---- call, B side (MT) ----
      case 'Call Confirmed':
        this.assign(c, 8000 + 2 * (c.mscRef % 1000));
        return;
      case 'Alerting':
        if (c.call?.a) this.dt1(c.call.a, dtap('cc', 'Alerting', {}, ti(1)));
        return;
      case 'Connect':
        this.dt1(c, dtap('cc', 'Connect Acknowledge', {}, ti(0)));
        if (c.call?.a) this.dt1(c.call.a, dtap('cc', 'Connect', {}, ti(1)));
        return;
      case 'Release':
        this.dt1(c, dtap('cc', 'Release Complete', {}, ti(0)));
        return this.clear(c);
      default:
        return;
    }
  }
}
