import { expect } from 'vitest';
import { decode as dtapDecode, encode as dtapEncode, type Dtap, type DtapMessage, type RpMessage, type UnknownRp } from '@snaptel/gsm48';
import { decode as smsDecode, encode as smsEncode, type Tpdu } from '@snaptel/sms';
import { secure, type FakeConn, type Scenario, type SimSub } from './harness';

/**
 * Short-message helpers for the scenario tests (sms.test.ts, smsc.test.ts):
 * two subscribers, compact SMS log lines (CP message with its TI, RP message
 * and MR, TPDU fields; every message still goes through the gsm48 and sms
 * codecs both ways), the phone's CP/RP messages, and the procedures that
 * open an SMS connection.
 */

export const ALICE: SimSub = { imsi: '001010000000001', msisdn: '1001', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1' };
export const BOB: SimSub = { imsi: '001010000000002', msisdn: '1002', ki: '0f0e0d0c0b0a09080706050403020100', algo: 'xor' };
export const CM2 = { revisionLevel: 1, esInd: true, a51NotAvailable: false, rfPowerCapability: 3, psCapability: false, ssScreeningIndicator: 1, smCapability: true, vbs: false, vgcs: false, frequencyCapability: false, classmark3: false, lcsvaCapability: false, ucs2: false, solsa: false, cmsp: false, a53: false, a52: false };

// ---- compact SMS log lines ----

export function tpduLine(t: Tpdu | { type: 'reserved' } | undefined): string {
  if (!t) return '';
  if (t.type === 'reserved') return ' TPDU(reserved)';
  const p: string[] = [t.type];
  if (t.mr !== undefined) p.push(`tp-mr=${t.mr}`);
  for (const k of ['da', 'oa', 'ra'] as const) if (t[k]) p.push(`${k}=${t[k]!.digits ?? t[k]!.text}`);
  if (t.srr) p.push('srr');
  if (t.sri) p.push('sri');
  if (t.st !== undefined) p.push(`st=0x${t.st.toString(16).padStart(2, '0')}`);
  if (t.dcs) p.push(`dcs=0x${t.dcs.value.toString(16).padStart(2, '0')}`);
  if (t.ud) {
    const c = t.ud.header?.find((h) => 'ref' in h) as { ref: number; total: number; seq: number } | undefined;
    if (c) p.push(`part ${c.seq}/${c.total} ref ${c.ref}`);
    p.push(t.ud.text !== undefined ? JSON.stringify(t.ud.text) : `body=${t.ud.body}`);
  }
  return ' ' + p.join(' ');
}

export function rpLine(rp: RpMessage | UnknownRp): string {
  if (rp.type === 'unknown') return ` RP(raw ${rp.raw})`;
  let s = ` ${rp.type}${rp.direction === 'mt' && rp.type === 'RP-DATA' ? '(n->ms)' : ''} mr=${rp.mr}`;
  if (rp.cause) s += ` cause=${rp.cause.value}`;
  if (rp.originator && 'digits' in rp.originator) s += ` rp-oa=${rp.originator.digits}`;
  return s + tpduLine(rp.userData);
}

export function cpLine(m: DtapMessage): string {
  let s = `${m.type} (TI ${m.tiFlag ?? 0}-${m.ti ?? 0})`;
  if (m.type === 'CP-ERROR') s += ` cause=${String(m.ies.cpCause)}`;
  if (m.ies.rpdu) s += rpLine(m.ies.rpdu as RpMessage);
  return s;
}

/** Everything the MSC sent, as bytes, for tshark. */
export const emitted: { bytes: Uint8Array; msg: DtapMessage }[] = [];

/** SMS lines of a connection in the compact form (other DTAP and BSSMAP as the harness writes them). */
export function compact(c: FakeConn): FakeConn {
  const orig = c.sendDtap.bind(c);
  c.sendDtap = (d: Dtap) => {
    if (!('pd' in d) || d.pd !== 'sms') return orig(d);
    const bytes = dtapEncode(d);
    const back = dtapDecode(bytes, 'mt') as DtapMessage;
    emitted.push({ bytes, msg: back });
    c.sc.log.note(`  MSC -> ${c.label}: ${cpLine(back)}`);
    c.out.push({ dtap: back });
  };
  return c;
}

/** MS -> MSC CP message. */
export function cpMs(c: FakeConn, type: 'CP-DATA' | 'CP-ACK' | 'CP-ERROR', ti: number, tiFlag: 0 | 1, ies: Record<string, unknown> = {}): void {
  const { tiExt, ...rest } = ies as { tiExt?: number };
  const m = dtapDecode(dtapEncode({ pd: 'sms', type, ti, tiFlag, direction: 'mo', ies: rest, ...(tiExt !== undefined ? { tiExt } : {}) } as DtapMessage), 'mo') as DtapMessage;
  c.sc.log.note(`  ${c.label} -> MSC: ${cpLine(m)}`);
  c.sc.core.onDtap(c, m);
}

export const rpMs = (rp: Omit<RpMessage, 'direction'> & { direction?: 'mo' | 'mt' }) => ({ rpdu: { direction: 'mo', ...rp } });

export function submit(da: string, text: string, o: { mr?: number; srr?: boolean; dcs?: number; header?: unknown[]; body?: string } = {}): Tpdu {
  return {
    type: 'SMS-SUBMIT',
    rd: false,
    srr: o.srr ?? false,
    udhi: !!o.header,
    rp: false,
    mr: o.mr ?? 1,
    da: { ton: 'international', npi: 1, digits: da },
    pid: 0,
    dcs: { value: o.dcs ?? 0 },
    ud: { ...(o.header ? { header: o.header as never } : {}), ...(o.body !== undefined ? { body: o.body } : { text }) },
  };
}

/** The MS's SMS-SUBMIT in RP-DATA, as bytes would carry it (user data with `raw`). */
export function viaBytes(t: Tpdu): Tpdu {
  return smsDecode(smsEncode(t), 'mo') as Tpdu;
}

// ---- procedures ----



/** CM SERVICE REQUEST for SMS (service type 4), accepted. */
export function cmSms(sc: Scenario, sub: SimSub, tmsi: number): FakeConn {
  const c = compact(sc.completeL3(sub.msisdn!, { pd: 'mm', type: 'CM Service Request', ies: { cmServiceType: 4, cksn: 0, classmark2: CM2, mobileIdentity: { type: 'tmsi', tmsi } } }));
  secure(c, sub);
  expect(c.lastDtap()?.type).toBe('CM Service Accept');
  return c;
}

/** PAGING RESPONSE, authenticated and ciphered. */
export function pagingResponse(sc: Scenario, sub: SimSub, tmsi: number): FakeConn {
  const c = compact(sc.completeL3(sub.msisdn!, { pd: 'rr', type: 'Paging Response', ies: { cksn: 0, spareHalfOctet: 0, classmark2: CM2, mobileIdentity: { type: 'tmsi', tmsi } } }));
  secure(c, sub);
  return c;
}

export function lastRp(c: FakeConn): RpMessage {
  return c.lastDtap()!.ies.rpdu as RpMessage;
}
