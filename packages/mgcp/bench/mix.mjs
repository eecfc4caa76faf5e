// An MGCP call leg as an MSC drives osmo-mgw: CRCX, MDCX, DLCX and their
// responses with SDP. Shared with scripts/bench-mix.mjs.
const sdp = (port, addr) =>
  `v=0\r\no=- 1A2B3C 23 IN IP4 ${addr}\r\ns=-\r\nc=IN IP4 ${addr}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 112\r\n` +
  'a=rtpmap:112 AMR/8000\r\na=fmtp:112 octet-align=1\r\na=ptime:20\r\n';
export const TEXTS = [
  'CRCX 1001 rtpbridge/*@mgw MGCP 1.0\r\nC: 4f2a\r\nL: p:20, a:AMR, nt:IN\r\nM: recvonly\r\n',
  '200 1001 OK\r\nZ: rtpbridge/3@mgw\r\nI: 1A2B3C\r\n\r\n' + sdp(4002, '10.0.0.1'),
  'MDCX 1002 rtpbridge/3@mgw MGCP 1.0\r\nC: 4f2a\r\nI: 1A2B3C\r\nM: sendrecv\r\n\r\n' + sdp(30000, '10.0.0.2'),
  '200 1002 OK\r\nI: 1A2B3C\r\n\r\n' + sdp(4002, '10.0.0.1'),
  'DLCX 1003 rtpbridge/3@mgw MGCP 1.0\r\nC: 4f2a\r\nI: 1A2B3C\r\n',
  '250 1003 OK\r\nP: PS=1500, OS=60000, PR=1498, OR=59920, PL=2, JI=0\r\n',
];
export const MIX = TEXTS.map((t) => new Uint8Array(Buffer.from(t, 'latin1')));
