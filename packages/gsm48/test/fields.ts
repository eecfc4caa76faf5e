import type { Dtap } from '../src';
import type { Expect } from './cases';

/** The key fields of our decoding, in the shape of `Expect` (read from the JSON form, field by field). */
export function ourFields(m: Dtap): Partial<Expect> {
  if (m.type === 'unknown') return {};
  const ies = m.ies as Record<string, any>;
  const f: Partial<Expect> = { pd: m.pd, name: m.type };
  const mi = ies.mobileIdentity;
  if (mi?.type === 'imsi') f.imsi = mi.digits;
  if (mi?.type === 'imei') f.imei = mi.digits;
  if (mi?.type === 'imeisv') f.imeisv = mi.digits;
  if (mi?.type === 'tmsi') f.tmsi = mi.tmsi;
  if (ies.lai) Object.assign(f, { mcc: ies.lai.mcc, mnc: ies.lai.mnc, lac: ies.lai.lac });
  const causes = [ies.cause, ies.secondCause].filter((c) => c && 'value' in c).map((c) => c.value);
  if (causes.length) f.cause = causes;
  if (ies.calledPartyBcdNumber) f.called = ies.calledPartyBcdNumber.digits;
  if (ies.callingPartyBcdNumber) f.calling = ies.callingPartyBcdNumber.digits;
  if (ies.progressIndicator) f.progress = ies.progressIndicator.description;
  const rp = ies.rpdu;
  if (rp) {
    f.rpType = ['RP-DATA', 'RP-ACK', 'RP-ERROR', 'RP-SMMA'].indexOf(rp.type) * 2 + (rp.direction === 'mt' ? 1 : 0);
    if (rp.cause) f.rpCause = rp.cause.value;
    const ud = rp.userData;
    if (ud?.oa) f.tpOa = ud.oa.digits;
    if (ud?.da) f.tpDa = ud.da.digits;
    if (ud?.ud?.text !== undefined) f.text = ud.ud.text;
  }
  return f;
}

