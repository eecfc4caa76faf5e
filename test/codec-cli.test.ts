import { describe, expect, it } from 'vitest';
import { fieldValues, tshark, tsharkAvailable, userDlt } from '@snaptel/codec';
import { snaptel } from './helpers';

// An M3UA DATA laid out by hand from RFC 4666 §3.3.1 (header, Routing Context 7,
// Protocol Data OPC 187 DPC 185 SI 3 NI 2) around an SCCP UDT (Q.713 §4.10,
// route on SSN 254) carrying BSSMAP RESET with cause 0x20 (TS 48.008 §3.2.1.23).
const M3UA_DATA =
  '01000101 00000038 00060008 00000007 02100026 000000bb 000000b9 03020000' +
  '09 00 03 07 0b 04 43 b9 00 fe 04 43 bb 00 fe 06 00 04 30 04 01 20 0000';

// libosmocore tests/gsup/gsup_test.c, send_auth_info_err: SendAuthInfoError for
// IMSI 123456789012345 with cause 7 (facts, as hex); here inside an IPA frame
// with the OSMO extension GSUP (0xee 0x05), as osmo-hlr sends it on TCP 4222.
const GSUP = '09 01 08 21 43 65 87 09 21 43 f5 02 01 07'.replace(/ /g, '');
const IPA_GSUP = '000f' + 'ee' + '05' + GSUP;

describe('snaptel decode / encode', () => {
  it('decodes an IPA frame and follows into GSUP', () => {
    const r = snaptel(['decode', 'ipa', IPA_GSUP]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.proto).toBe('OSMO');
    expect(m.ext).toBe('GSUP');
    expect(m.gsup.type).toBe('SendAuthInfoError');
    expect(m.gsup.imsi).toBe('123456789012345');
    expect(m.gsup.cause).toBe(7);
  });

  it('encodes what decode printed back to the same bytes, through the inner message', () => {
    const decoded = snaptel(['decode', 'ipa', IPA_GSUP]).stdout;
    const again = snaptel(['encode', 'ipa', decoded]);
    expect(again.status).toBe(0);
    expect(again.stdout.trim()).toBe(IPA_GSUP);
  });

  it('follows an SCCPlite frame (IPA protocol 0xFD) into SCCP, BSSMAP and DTAP, and encodes it all back', () => {
    // libosmo-sccp tests/sccp/sccp_test.c bssmap_cr: CR, class 2, called SSN 254 (BSSAP), 29 bytes of BSSMAP.
    const cr = '010102030202040242fe0f1f001d5705080072f4802012c3501710052411033319a208294710020131976100';
    const r = snaptel(['decode', 'ipa', '002c' + 'fd' + cr]);
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.proto).toBe('SCCP');
    expect(m.sccp.type).toBe('CR');
    expect(m.sccp.protocolClass.class).toBe(2);
    expect(m.sccp.called.ssn).toBe(254);
    expect(m.sccp.data).toBe('001d5705080072f4802012c3501710052411033319a2082947100201319761');
    // ... into BSSMAP Complete Layer 3 (cell 05 08 00 72f480 2012 c350: CGI 274/08, LAC 0x2012, CI 0xc350) ...
    const l3 = m.sccp.bssap;
    expect(l3.type).toBe('COMPLETE LAYER 3 INFORMATION');
    expect(l3.ies.cellIdentifier).toEqual({ discriminator: 'cgi', mcc: '274', mnc: '08', lac: 8210, ci: 50000 });
    // ... into DTAP CM Service Request (mobile identity 08 29 47 10 02 01 31 97 61: IMSI 274012010137916).
    expect(l3.ies.layer3Information.type).toBe('CM Service Request');
    expect(l3.ies.layer3Information.ies.mobileIdentity).toEqual({ type: 'imsi', digits: '274012010137916' });
    expect(snaptel(['encode', 'ipa', r.stdout]).stdout.trim()).toBe('002cfd' + cr);
  });

  it('decodes an SMS-SUBMIT TPDU ("hellohello", dreamfabric.com/sms)', () => {
    // 11 00 0b 91 6407281553f8 00 00 aa 0a e8329bfd4697d9ec37: SUBMIT to +46708251358, 7-bit, "hellohello"
    const r = snaptel(['decode', 'tpdu', '1100 0b91 6407 2815 53f8 0000 aa0a e832 9bfd 4697 d9ec 37']);
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.type).toBe('SMS-SUBMIT');
    expect(m.da.digits).toBe('46708251358');
    expect(m.ud.text).toBe('hellohello');
  });

  it('bad input is one line naming protocol, message, IE and offset; unknown protocol and bad hex too', () => {
    const r = snaptel(['decode', 'gsup', '09 01 08 21 43']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // The length octet at byte 2 claims 8 bytes; 2 are left.
    expect(r.stderr.trim()).toBe('snaptel: GSUP SendAuthInfoError, IE IMSI, at byte 2: IE length 8 exceeds the 2 byte(s) left');
    expect(snaptel(['decode', 'nope', '00']).stderr).toMatch(/^snaptel: unknown protocol 'nope'/);
    expect(snaptel(['decode', 'ipa', 'xyz']).stderr).toMatch(/^snaptel: not hex bytes/);
  });

  it('decodes M3UA DATA and follows it into SCCP and BSSMAP, as tshark reads the same bytes; encodes it back', () => {
    const hex = M3UA_DATA.replace(/ /g, '');
    const r = snaptel(['decode', 'm3ua', hex]);
    expect(r.stderr).toBe('');
    const m = JSON.parse(r.stdout);
    expect(m.type).toBe('DATA');
    expect(m.routingContext).toEqual([7]);
    expect(m.protocolData).toMatchObject({ opc: 187, dpc: 185, si: 3, ni: 2, mp: 0, sls: 0 });
    expect(m.protocolData.sccp).toMatchObject({ type: 'UDT', called: { pc: 185, ssn: 254 }, calling: { pc: 187, ssn: 254 } });
    expect(m.protocolData.sccp.bssap).toMatchObject({ discriminator: 'bssmap', type: 'RESET', ies: { cause: 0x20 } });
    expect(tsharkAvailable(), 'tshark not found').toBe(true);
    const [p] = tshark([{ data: Buffer.from(hex, 'hex') }], 147, userDlt('m3ua'));
    expect(p!.malformed).toBe(false);
    expect(p!.expert).toEqual([]);
    expect(fieldValues(p!, 'm3ua.routing_context')).toEqual(['7']);
    expect(fieldValues(p!, 'm3ua.protocol_data_opc')).toEqual([String(m.protocolData.opc)]);
    expect(fieldValues(p!, 'm3ua.protocol_data_dpc')).toEqual([String(m.protocolData.dpc)]);
    expect(fieldValues(p!, 'sccp.called.ssn')).toEqual([String(m.protocolData.sccp.called.ssn)]);
    const again = snaptel(['encode', 'm3ua', r.stdout]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(hex);
  });

  it('lists the protocols it knows', () => {
    const r = snaptel(['protocols']);
    expect(r.status).toBe(0);
    for (const p of ['ipa', 'gsup', 'mgcp', 'tpdu']) expect(r.stdout).toMatch(new RegExp(`^${p}\\s+[A-Z]`, 'm'));
  });
});
