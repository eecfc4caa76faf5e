import { describe, expect, it } from 'vitest';
import { fieldValues, fromHex, LINKTYPE_USER0, toHex, tshark, userDlt, type TsharkPacket } from '@snaptel/codec';
import { decode, encode, type Dtap } from '../src';
import { CASES, type Expect } from './cases';
import { ourFields } from './fields';

/**
 * tshark as the oracle: our encodings of every case (decode, then encode)
 * go into one pcapng on LINKTYPE_USER0 dissected as gsm_a_dtap. Packets
 * carry a direction flag (inbound = from the MS), as @snaptel/sms does for
 * gsm_sms. tshark must flag nothing malformed, and its key fields must
 * equal the hand-written `expect` of each case, as ours do.
 */
function dissect(): TsharkPacket[] {
  const recs = CASES.map((c) => ({ data: encode(decode(fromHex(c.hex), c.direction)), direction: c.direction === 'mo' ? ('in' as const) : ('out' as const) }));
  return tshark(recs, LINKTYPE_USER0, userDlt('gsm_a_dtap'));
}

const TYPE_FIELD: Record<Expect['pd'], string> = {
  mm: 'gsm_a.dtap.msg_mm_type',
  cc: 'gsm_a.dtap.msg_cc_type',
  sms: 'gsm_a.dtap.msg_sms_type',
  ss: 'gsm_a.dtap.msg_ss_type',
  rr: 'gsm_a.dtap.msg_rr_type',
};

/** The same key fields, as tshark shows them. */
function theirFields(p: TsharkPacket, e: Expect): Partial<Expect> {
  const one = (name: string): string | undefined => fieldValues(p, name)[0];
  const f: Partial<Expect> = {};
  const t = one(TYPE_FIELD[e.pd]);
  if (t !== undefined) f.msgType = Number(t);
  const imsi = one('e212.imsi');
  if (imsi) f.imsi = imsi;
  const tmsi = one('3gpp.tmsi');
  if (tmsi) f.tmsi = Number(tmsi);
  const imei = one('gsm_a.imei');
  if (imei) f.imei = imei;
  const imeisv = one('gsm_a.imeisv');
  if (imeisv) f.imeisv = imeisv;
  const mcc = one('e212.lai.mcc');
  // tshark shows MCC/MNC as numbers (001 -> "1"); pad to the digit count of the expectation
  if (mcc !== undefined) f.mcc = mcc.padStart(3, '0');
  const mnc = one('e212.lai.mnc');
  if (mnc !== undefined) f.mnc = mnc.padStart(e.mnc?.length ?? 2, '0');
  const lac = one('gsm_a.lac');
  if (lac !== undefined) f.lac = Number(lac);
  const causes = fieldValues(p, 'gsm_a.dtap.cause').map(Number);
  if (causes.length) f.cause = causes;
  const called = one('gsm_a.dtap.cld_party_bcd_num');
  // the RP addresses are shown with the called number field; RP-DATA carries no called number of ours
  if (called !== undefined && e.rpType === undefined) f.called = called;
  const calling = one('gsm_a.dtap.clg_party_bcd_num');
  if (calling !== undefined) f.calling = calling;
  const prog = one('gsm_a.dtap.progress_description');
  if (prog !== undefined) f.progress = Number(prog);
  const rp = one('gsm_a.rp.msg_type');
  if (rp !== undefined) f.rpType = Number(rp);
  const rpCause = one('gsm_a.rp.cause');
  if (rpCause !== undefined) f.rpCause = Number(rpCause);
  const oa = one('gsm_sms.tp-oa');
  if (oa !== undefined) f.tpOa = oa;
  const da = one('gsm_sms.tp-da');
  if (da !== undefined) f.tpDa = da;
  const text = one('gsm_sms.sms_text');
  if (text !== undefined) f.text = text;
  return f;
}

describe('tshark dissects our encodings', () => {
  const packets = dissect();

  it('one packet per case, none malformed, no expert errors', () => {
    expect(packets.length).toBe(CASES.length);
    const bad = packets.map((p, i) => (p.malformed || p.expert.some((x) => /malformed|error/i.test(x)) ? `${CASES[i]!.name}: ${p.expert.join('; ')}` : '')).filter(Boolean);
    expect(bad).toEqual([]);
  });

  for (const [i, c] of CASES.entries()) {
    it(`${c.name}: tshark's key fields equal the hand-written ones and ours`, () => {
      const p = packets[i]!;
      expect(fieldValues(p, 'gsm_a.dtap').length + fieldValues(p, 'user_dlt').length).toBeGreaterThan(0);
      const { pd: _pd, name: _name, ...want } = c.expect;
      expect(theirFields(p, c.expect)).toEqual(want);
      const ours = ourFields(decode(fromHex(c.hex), c.direction) as Dtap);
      const { msgType: _m, ...wantOurs } = c.expect;
      expect(ours).toEqual(wantOurs);
      expect(toHex(encode(decode(fromHex(c.hex), c.direction)))).toBe(c.hex.replace(/\s/g, ''));
    });
  }
});
