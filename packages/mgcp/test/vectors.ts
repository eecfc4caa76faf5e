/**
 * Test vectors from outside this project, copied as text (facts, not code).
 *
 * - RFC 3435 Appendix F ("Example Call Flows"), F.1 to F.3: the call agent /
 *   residential gateway examples. The RFC prints them without line
 *   terminators; we use LF (RFC 3435 section 3.1 allows a single LF) and CRLF
 *   variants. Text as printed in the RFC (also quoted in spinoco/protocol,
 *   MGCPCommandCodecSpec.scala, "RFC.F.*" properties).
 * - osmo-mgw's unit test, tests/mgcp/mgcp_test.c (osmocom/osmo-mgw, commit
 *   83fd8a569223a767f2aa8c451b69ebf93439b493): the #define'd request and
 *   response strings, byte for byte, including their bare-CR and LF endings.
 *   Where the C string has a %s (connection id filled in at run time by
 *   sprintf) we fill in the id given in the vector's name.
 */

export interface Vector {
  name: string;
  source: string;
  text: string;
}

const RFC = 'RFC 3435 Appendix F';
const OSMO = 'osmo-mgw tests/mgcp/mgcp_test.c';

const RFC_SDP = 'v=0\no=- 25678 753849 IN IP4 128.96.41.1\ns=-\nc=IN IP4 128.96.41.1\nt=0 0\nm=audio 3456 RTP/AVP 0\n';

export const RFC_VECTORS: Vector[] = [
  {
    name: 'F.1 RQNT ring and look for off-hook',
    source: `${RFC}.1`,
    text: 'RQNT 1201 aaln/1@rgw-2567.whatever.net MGCP 1.0\nN: ca@ca1.whatever.net:5678\nX: 0123456789AC\nR: l/hd(N)\nS: l/rg\n',
  },
  {
    name: 'F.1 RQNT with embedded request and digit map',
    source: `${RFC}.1`,
    text:
      'RQNT 1202 aaln/1@rgw-2567.whatever.net MGCP 1.0\nN: ca@ca1.whatever.net:5678\nX: 0123456789AC\n' +
      'R: L/hd(A, E(S(L/dl),R(L/oc, L/hu, D/[0-9#*T](D))))\nD: (0T|00T|#xxxxxxx|*xx|91xxxxxxxxxx|9011x.T)\nS:\nQ: process\nT: G/ft\n',
  },
  {
    name: 'F.2 NTFY with observed digits',
    source: `${RFC}.2`,
    text: 'NTFY 2002 aaln/1@rgw-2567.whatever.net MGCP 1.0\nN: ca@ca1.whatever.net:5678\nX: 0123456789AC\nO: L/hd,D/9,D/1,D/2,D/0,D/1,D/8,D/2,D/9,D/4,D/2,D/6,D/6\n',
  },
  {
    name: 'F.3 CRCX recvonly, no SDP',
    source: `${RFC}.3`,
    text: 'CRCX 1204 aaln/1@rgw-2567.whatever.net MGCP 1.0\nC: A3C47F21456789F0\nL: p:10, a:PCMU\nM: recvonly\n',
  },
  {
    name: 'F.3 200 response to CRCX with SDP',
    source: `${RFC}.3`,
    text: '200 1204 OK\nI: FDE234C8\n\n' + RFC_SDP,
  },
  {
    name: 'F.3 CRCX sendrecv with SDP',
    source: `${RFC}.3`,
    text: 'CRCX 1205 aaln/1@rgw-2567.whatever.net MGCP 1.0\nC: A3C47F21456789F0\nL: p:10, a:PCMU\nM: sendrecv\nX: 0123456789AD\nR: L/hd\nS: L/rg\n\n' + RFC_SDP,
  },
  {
    name: 'F.3 CRCX inactive with K: and SDP',
    source: `${RFC}.3`,
    text: 'CRCX 1206 aaln/1@rgw-2569.whatever.net MGCP 1.0\nK: 1205\nC: A3C47F21456789F0\nL: p:10, a:PCMU\nM: inactive\n\n' + RFC_SDP,
  },
];

/** The RFC vectors again with CRLF line endings. */
export const RFC_VECTORS_CRLF: Vector[] = RFC_VECTORS.map((v) => ({ ...v, name: `${v.name} (CRLF)`, text: v.text.replace(/\n/g, '\r\n') }));

export const OSMO_VECTORS: Vector[] = [
  { name: 'AUEP1', source: OSMO, text: 'AUEP 158663169 ds/e1-1/2@mgw MGCP 1.0\r\n' },
  { name: 'AUEP1_RET', source: OSMO, text: '200 158663169 OK\r\n' },
  { name: 'AUEP2', source: OSMO, text: 'AUEP 18983213 ds/e1-2/1@mgw MGCP 1.0\r\n' },
  { name: 'AUEP2_RET', source: OSMO, text: '500 18983213 FAIL\r\n' },
  { name: 'MDCX_WRONG_EP', source: OSMO, text: 'MDCX 18983213 ds/e1-3/1@mgw MGCP 1.0\r\n' },
  { name: 'MDCX_RET', source: OSMO, text: '400 18983214 FAIL\r\n' },
  { name: 'MDCX3 (I: 1)', source: OSMO, text: 'MDCX 18983215 1@mgw MGCP 1.0\r\nI: 1\n' },
  {
    name: 'MDCX3_FMTP_RET (o= 1)',
    source: OSMO,
    text:
      '200 18983215 OK\r\n\r\nv=0\r\no=- 1 23 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n' +
      'm=audio 16006 RTP/AVP 97\r\na=rtpmap:97 GSM-EFR/8000\r\na=fmtp:126 0/1/2\r\na=ptime:40\r\n',
  },
  {
    name: 'MDCX4 (I: 1)',
    source: OSMO,
    text:
      'MDCX 18983216 1@mgw MGCP 1.0\r\nM: sendrecv\rC: 2\r\nI: 1\r\nL: p:20, a:AMR, nt:IN\r\n\n' +
      'v=0\r\no=- 1 23 IN IP4 0.0.0.0\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4441 RTP/AVP 99\r\na=rtpmap:99 AMR/8000\r\na=ptime:40\r\n',
  },
  {
    name: 'MDCX4_PT1 (I: 1)',
    source: OSMO,
    text:
      'MDCX 18983217 1@mgw MGCP 1.0\r\nM: SENDRECV\rC: 2\r\nI: 1\r\nL: p:20-40, a:AMR, nt:IN\r\n\n' +
      'v=0\r\no=- 1 23 IN IP4 0.0.0.0\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4441 RTP/AVP 99\r\na=rtpmap:99 AMR/8000\r\na=ptime:40\r\n',
  },
  {
    name: 'MDCX4_PT4 (I: 1, lower-case names)',
    source: OSMO,
    text:
      'MDCX 18983220 1@mgw MGCP 1.0\r\nm: sendrecv\rc: 2\r\ni: 1\r\nl: A:amr, NT:IN\r\n\n' +
      'v=0\r\no=- 1 23 IN IP4 0.0.0.0\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4441 RTP/AVP 99\r\na=rtpmap:99 AMR/8000\r\na=ptime:40\r\n',
  },
  { name: 'MDCX4_RO (I: 1)', source: OSMO, text: 'MDCX 18983222 1@mgw MGCP 1.0\r\nM: recvonly\rC: 2\r\nI: 1\r\nL: p:20, a:AMR, nt:IN\r\n' },
  {
    name: 'MDCX4_RO_RET (o= 1)',
    source: OSMO,
    text:
      '200 18983222 OK\r\n\r\nv=0\r\no=- 1 23 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n' +
      'm=audio 16002 RTP/AVP 112\r\na=rtpmap:112 AMR\r\na=ptime:40\r\n',
  },
  { name: 'MDCX_TOO_LONG_CI', source: OSMO, text: 'MDCX 18983223 1@mgw MGCP 1.0\r\nI: 123456789012345678901234567890123\n' },
  {
    name: 'CRCX',
    source: OSMO,
    text:
      'CRCX 2 1@mgw MGCP 1.0\r\nm: recvonly\r\nC: 2\r\nL: p:20\r\n\r\nv=0\r\nc=IN IP4 123.12.12.123\r\n' +
      'm=audio 5904 RTP/AVP 97\r\na=rtpmap:97 GSM-EFR/8000\r\na=ptime:40\r\n',
  },
  {
    name: 'CRCX_RET (I: 1)',
    source: OSMO,
    text:
      '200 2 OK\r\nI: 1\r\n\r\nv=0\r\no=- 1 23 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n' +
      'm=audio 16002 RTP/AVP 97\r\na=rtpmap:97 GSM-EFR/8000\r\na=ptime:40\r\n',
  },
  {
    name: 'CRCX_ZYN (bare CR)',
    source: OSMO,
    text: 'CRCX 2 1@mgw MGCP 1.0\rM: recvonly\rC: 2\r\n\nv=0\rc=IN IP4 123.12.12.123\rm=audio 5904 RTP/AVP 97\ra=rtpmap:97 GSM-EFR/8000\r',
  },
  {
    name: 'CRCX_X_OSMO_IGN',
    source: OSMO,
    text:
      'CRCX 2 1@mgw MGCP 1.0\r\nM: recvonly\r\nC: 2\r\nL: p:20\r\nX-Osmo-IGN: C foo\r\n\r\nv=0\r\nc=IN IP4 123.12.12.123\r\n' +
      'm=audio 5904 RTP/AVP 97\r\na=rtpmap:97 GSM-EFR/8000\r\na=ptime:40\r\n',
  },
  {
    name: 'DLCX (I: 1)',
    source: OSMO,
    text: 'DLCX 7 1@mgw MGCP 1.0\r\nI: 1\r\nC: 2\r\n',
  },
  { name: 'DLCX_RET', source: OSMO, text: '250 7 OK\r\nP: PS=0, OS=0, PR=0, OR=0, PL=0, JI=0\r\n' },
  { name: 'DLCX_RET_OSMUX', source: OSMO, text: '250 7 OK\r\nP: PS=0, OS=0, PR=0, OR=0, PL=0, JI=0\r\nX-Osmo-CP: EC TI=0, TO=0\r\n' },
  { name: 'RQNT', source: OSMO, text: 'RQNT 186908780 1@mgw MGCP 1.0\r\nX: B244F267488\r\nS: D/9\r\n' },
  { name: 'RQNT2', source: OSMO, text: 'RQNT 186908781 1@mgw MGCP 1.0\r\nX: ADD4F26746F\r\nR: D/[0-9#*](N), G/ft, fxr/t38\r\n' },
  { name: 'RQNT1_RET', source: OSMO, text: '200 186908780 OK\r\n' },
  {
    name: 'CRCX_MULT_1 (bare X line)',
    source: OSMO,
    text:
      'CRCX 2 1@mgw MGCP 1.0\r\nM: recvonly\r\nC: 2\r\nX\r\nL: p:20\r\n\r\nv=0\r\nc=IN IP4 123.12.12.123\r\n' +
      'm=audio 5904 RTP/AVP 18 97\r\na=rtpmap:18 G729/8000\r\na=rtpmap:97 GSM-EFR/8000\r\na=ptime:40\r\n',
  },
  {
    name: 'CRCX_MULT_3 (m= without formats)',
    source: OSMO,
    text:
      'CRCX 2 3@mgw MGCP 1.0\r\nM: recvonly\r\nC: 2\r\nX\r\nL: p:20\r\n\r\nv=0\r\nc=IN IP4 123.12.12.123\r\n' +
      'm=audio 5904 RTP/AVP\r\na=rtpmap:18 G729/8000\r\na=rtpmap:97 GSM-EFR/8000\r\na=rtpmap:101 FOO/8000\r\na=ptime:40\r\n',
  },
  {
    name: 'CRCX_MULT_GSM_EXACT',
    source: OSMO,
    text:
      'CRCX 259260421 5@mgw MGCP 1.0\r\nC: 1355c6041e\r\nL: p:20, a:GSM, nt:IN\r\nM: recvonly\r\n\r\nv=0\r\n' +
      'o=- 1439038275 1439038275 IN IP4 192.168.181.247\r\ns=-\r\nc=IN IP4 192.168.181.247\r\n' +
      't=0 0\r\nm=audio 29084 RTP/AVP 0 8 3 18 4 96 97 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' +
      'a=rtpmap:3 gsm/8000\r\na=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\na=rtpmap:4 G723/8000\r\n' +
      'a=rtpmap:96 iLBC/8000\r\na=fmtp:96 mode=20\r\na=rtpmap:97 iLBC/8000\r\na=fmtp:97 mode=30\r\n' +
      'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=recvonly\r\n',
  },
  { name: 'MDCX_NAT_DUMMY (I: 1)', source: OSMO, text: 'MDCX 23 5@mgw MGCP 1.0\r\nC: 1355c6041e\r\nI: 1\r\n\r\nc=IN IP4 8.8.8.8\r\nm=audio 16434 RTP/AVP 3\r\n' },
  { name: 'CRCX_NO_LCO_NO_SDP', source: OSMO, text: 'CRCX 2 6@mgw MGCP 1.0\r\nM: recvonly\r\nC: 2\r\n' },
  {
    name: 'CRCX_AMR_WITH_FMTP',
    source: OSMO,
    text:
      'CRCX 2 7@mgw MGCP 1.0\r\nM: recvonly\r\nC: 2\r\nX\r\nL: p:20\r\n\r\nv=0\r\nc=IN IP4 123.12.12.123\r\n' +
      'm=audio 5904 RTP/AVP 111\r\na=rtpmap:111 AMR/8000/1\r\na=ptime:20\r\na=fmtp:111 mode-change-capability=2; octet-align=1\r\n',
  },
  {
    name: 'CRCX_AMR_WITH_FMTP_RET (I: 1)',
    source: OSMO,
    text:
      '200 2 OK\r\nI: 1\r\n\r\nv=0\r\no=- 1 23 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n' +
      'm=audio 16012 RTP/AVP 111\r\na=rtpmap:111 AMR/8000/1\r\na=fmtp:111 octet-align=1\r\na=ptime:20\r\n',
  },
  { name: 'SHORT5 (no line terminator)', source: OSMO, text: 'CRCX 1 1@mgw MGCP 1.0' },
];

/** osmo-mgw's malformed inputs (SHORT*, EMPTY), which osmo-mgw answers with 510 or ignores. */
export const OSMO_BAD = {
  EMPTY: '\r\n',
  SHORT: 'CRCX \r\n',
  SHORT2: 'CRCX 1',
  SHORT3: 'CRCX 1 1@mgw',
  SHORT4: 'CRCX 1 1@mgw MGCP',
};

export const ALL_VECTORS: Vector[] = [...RFC_VECTORS, ...RFC_VECTORS_CRLF, ...OSMO_VECTORS];

export const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
export const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
