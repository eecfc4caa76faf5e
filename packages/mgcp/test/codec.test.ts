import { DecodeError, EncodeError } from '@snaptel/codec';
import { describe, expect, it } from 'vitest';
import { decode, encode, getParam, sdpMedia, type MgcpMessage } from '../src';
import { ALL_VECTORS, OSMO_BAD, OSMO_VECTORS, RFC_VECTORS, bytes, text } from './vectors';

function decodeErr(s: string): DecodeError {
  try {
    decode(bytes(s));
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error(`decoded without error: ${JSON.stringify(s)}`);
}

describe('round trip of external vectors', () => {
  it.each(ALL_VECTORS.map((v) => [v.name, v] as const))('%s', (_, v) => {
    const m = decode(bytes(v.text));
    expect(text(encode(m))).toBe(v.text);
    // and through JSON: the message form needs no class instances
    expect(text(encode(JSON.parse(JSON.stringify(m)) as MgcpMessage))).toBe(v.text);
  });
});

describe('decoded fields', () => {
  it('osmo-mgw CRCX: every field', () => {
    const v = OSMO_VECTORS.find((x) => x.name === 'CRCX')!;
    expect(decode(bytes(v.text))).toEqual({
      type: 'command',
      verb: 'CRCX',
      transactionId: '2',
      endpoint: '1@mgw',
      version: 'MGCP 1.0',
      params: [
        { name: 'm', mode: 'recvonly' },
        { name: 'C', value: '2' },
        { name: 'L', options: [{ key: 'p', value: '20' }] },
      ],
      sdp: {
        lines: [
          { type: 'v', version: 0 },
          { type: 'c', connection: { netType: 'IN', addrType: 'IP4', address: '123.12.12.123' } },
          { type: 'm', media: { media: 'audio', port: 5904, proto: 'RTP/AVP', formats: ['97'] } },
          { type: 'a', rtpmap: { payloadType: 97, encoding: 'GSM-EFR', clockRate: 8000 } },
          { type: 'a', ptime: 40 },
        ],
      },
    });
  });

  it('RFC 3435 F.3 response: code, transaction id, comment, I:, SDP port, LF endings', () => {
    const m = decode(bytes(RFC_VECTORS.find((x) => x.name.startsWith('F.3 200'))!.text));
    expect(m).toMatchObject({ type: 'response', code: 200, transactionId: '1204', comment: 'OK', eol: '\n' });
    expect(getParam(m, 'i')).toBe('FDE234C8');
    expect(sdpMedia(m)).toEqual({ media: 'audio', port: 3456, proto: 'RTP/AVP', formats: ['0'] });
    expect(m.sdp!.lines[1]).toEqual({
      type: 'o',
      origin: { username: '-', sessionId: '25678', sessionVersion: '753849', netType: 'IN', addrType: 'IP4', address: '128.96.41.1' },
    });
  });

  it('L: options with sub-fields, case kept; unknown mode case kept as text', () => {
    const m = decode(bytes(OSMO_VECTORS.find((x) => x.name.startsWith('MDCX4_PT4'))!.text));
    expect(m.params).toEqual([
      { name: 'm', mode: 'sendrecv', eol: '\r' },
      { name: 'c', value: '2' },
      { name: 'i', value: '1' },
      { name: 'l', options: [{ key: 'A', value: 'amr' }, { key: 'NT', value: 'IN' }] },
    ]);
    expect(m.sdp!.eol).toBe('\n');
    const pt1 = decode(bytes(OSMO_VECTORS.find((x) => x.name.startsWith('MDCX4_PT1'))!.text));
    expect(pt1.params[0]).toEqual({ name: 'M', value: 'SENDRECV', eol: '\r' });
    expect(pt1.params[3]).toEqual({ name: 'L', options: [{ key: 'p', value: '20-40' }, { key: 'a', value: 'AMR' }, { key: 'nt', value: 'IN' }] });
  });

  it('unknown and extension parameters are kept in order', () => {
    const m = decode(bytes(OSMO_VECTORS.find((x) => x.name === 'CRCX_X_OSMO_IGN')!.text));
    expect(m.params.map((p) => p.name)).toEqual(['M', 'C', 'L', 'X-Osmo-IGN']);
    expect(m.params[3]).toEqual({ name: 'X-Osmo-IGN', value: 'C foo' });
    const bare = decode(bytes(OSMO_VECTORS.find((x) => x.name.startsWith('CRCX_MULT_1'))!.text));
    expect(bare.params[2]).toEqual({ name: 'X', value: '', sep: '' });
  });

  it('rtpmap without clock rate, with channels; fmtp; unparsed attributes as text', () => {
    const ro = decode(bytes(OSMO_VECTORS.find((x) => x.name.startsWith('MDCX4_RO_RET'))!.text));
    expect(ro.sdp!.lines[6]).toEqual({ type: 'a', rtpmap: { payloadType: 112, encoding: 'AMR' } });
    const amr = decode(bytes(OSMO_VECTORS.find((x) => x.name === 'CRCX_AMR_WITH_FMTP')!.text));
    expect(amr.sdp!.lines.slice(3)).toEqual([
      { type: 'a', rtpmap: { payloadType: 111, encoding: 'AMR', clockRate: 8000, channels: 1 } },
      { type: 'a', ptime: 20 },
      { type: 'a', fmtp: { payloadType: 111, params: 'mode-change-capability=2; octet-align=1' } },
    ]);
    const gsm = decode(bytes(OSMO_VECTORS.find((x) => x.name === 'CRCX_MULT_GSM_EXACT')!.text));
    expect(gsm.sdp!.lines.at(-1)).toEqual({ type: 'a', value: 'recvonly' });
    expect(sdpMedia(gsm)!.formats).toEqual(['0', '8', '3', '18', '4', '96', '97', '101']);
  });

  it('bare CR line endings (osmo-mgw CRCX_ZYN)', () => {
    const m = decode(bytes(OSMO_VECTORS.find((x) => x.name.startsWith('CRCX_ZYN'))!.text));
    expect(m.eol).toBe('\r');
    expect(m.params).toEqual([{ name: 'M', mode: 'recvonly' }, { name: 'C', value: '2', eol: '\r\n' }]);
    expect(m.sdp!.eol).toBe('\n');
    expect(sdpMedia(m)!.port).toBe(5904);
  });

  it('a non-canonical line is kept as text (byte-exact) rather than re-rendered', () => {
    const s = 'CRCX 9 a@b MGCP 1.0\r\nL:  p:20,a:AMR\r\n\r\nm=audio 07 RTP/AVP 3\r\n';
    const m = decode(bytes(s));
    expect(m.params[0]).toEqual({ name: 'L', sep: ':  ', value: 'p:20,a:AMR' });
    expect(m.sdp!.lines[0]).toEqual({ type: 'm', value: 'audio 07 RTP/AVP 3' });
    expect(text(encode(m))).toBe(s);
  });

  it('tabs and several spaces between first-line fields', () => {
    const s = 'DLCX\t12  x@y MGCP 1.0\n';
    const m = decode(bytes(s));
    expect(m).toMatchObject({ verb: 'DLCX', transactionId: '12', endpoint: 'x@y', spacing: ['\t', '  ', ' '] });
    expect(text(encode(m))).toBe(s);
  });
});

describe('piggy-backed messages', () => {
  const [a, b, c] = [RFC_VECTORS[4]!.text, RFC_VECTORS[0]!.text, RFC_VECTORS[3]!.text];
  const s = `${a}.\n${b}.\n${c}`;

  it('splits on "." lines and re-joins byte-exact', () => {
    const m = decode(bytes(s));
    expect(m).toMatchObject({ type: 'response', code: 200, transactionId: '1204' });
    expect(m.sdp!.lines).toHaveLength(6);
    expect(m.piggyback!.map((x) => (x.type === 'command' ? `${x.verb} ${x.transactionId}` : ''))).toEqual(['RQNT 1201', 'CRCX 1204']);
    expect(text(encode(m))).toBe(s);
  });

  it('a "." with nothing after it is an error at the end', () => {
    const e = decodeErr(`${b}.\n`);
    expect(e.offset).toBe(b.length + 2);
  });
});

describe('bad input: DecodeError with protocol, message, IE, offset', () => {
  it.each([
    ['EMPTY', OSMO_BAD.EMPTY, undefined, 'first line', 0],
    ['SHORT', OSMO_BAD.SHORT, 'CRCX', 'transaction id', 4],
    ['SHORT2', OSMO_BAD.SHORT2, 'CRCX', 'endpoint', 6],
    ['SHORT3', OSMO_BAD.SHORT3, 'CRCX', 'version', 12],
    ['SHORT4', OSMO_BAD.SHORT4, 'CRCX', 'version', 13],
    ['empty datagram', '', undefined, undefined, 0],
    ['endpoint without @', 'AUEP 1 foo MGCP 1.0\r\n', 'AUEP', 'endpoint', 7],
    ['bad parameter line', 'CRCX 1 a@b MGCP 1.0\r\nC: 1\r\nv=0\r\n', 'CRCX', 'v', 27],
    ['parameter name with space', 'MDCX 1 a@b MGCP 1.0\r\nX Y: 1\r\n', 'MDCX', 'X', 21],
    ['bad SDP line', 'CRCX 1 a@b MGCP 1.0\r\n\r\nv=0\r\nhello\r\n', 'CRCX', 'SDP', 28],
    ['control character in a value', 'DLCX 1 a@b MGCP 1.0\r\nI: 1\x002\r\n', 'DLCX', 'I', 25],
    ['response code only', '200', 'response 200', 'transaction id', 3],
    ['response transaction id missing', '200 OK\r\n', 'response 200', 'transaction id', 4],
    ['transaction id too long', '200 1234567890 OK\r\n', 'response 200', 'transaction id', 4],
  ] as const)('%s', (_, input, msg, ie, offset) => {
    const e = decodeErr(input);
    expect(e.protocol).toBe('mgcp');
    expect(e.messageType).toBe(msg);
    expect(e.ie).toBe(ie);
    expect(e.offset).toBe(offset);
  });
});

describe('encode from a hand-built message', () => {
  it('CRCX with typed fields gives the RFC 3435 F.3 text', () => {
    const m: MgcpMessage = {
      type: 'command',
      verb: 'CRCX',
      transactionId: '1204',
      endpoint: 'aaln/1@rgw-2567.whatever.net',
      version: 'MGCP 1.0',
      eol: '\n',
      params: [
        { name: 'C', value: 'A3C47F21456789F0' },
        { name: 'L', options: [{ key: 'p', value: '10' }, { key: 'a', value: 'PCMU' }] },
        { name: 'M', mode: 'recvonly' },
      ],
    };
    expect(text(encode(m))).toBe(RFC_VECTORS[3]!.text);
  });

  it('response with SDP built from typed lines', () => {
    const m: MgcpMessage = {
      type: 'response',
      code: 200,
      transactionId: '7',
      comment: 'OK',
      params: [{ name: 'I', value: 'ABC' }],
      sdp: {
        lines: [
          { type: 'v', version: 0 },
          { type: 'c', connection: { netType: 'IN', addrType: 'IP4', address: '127.0.0.1' } },
          { type: 'm', media: { media: 'audio', port: 4000, proto: 'RTP/AVP', formats: ['112'] } },
          { type: 'a', rtpmap: { payloadType: 112, encoding: 'AMR', clockRate: 8000 } },
          { type: 'a', fmtp: { payloadType: 112, params: 'octet-align=1' } },
          { type: 'a', ptime: 20 },
        ],
      },
    };
    expect(text(encode(m))).toBe(
      '200 7 OK\r\nI: ABC\r\n\r\nv=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 112\r\na=rtpmap:112 AMR/8000\r\na=fmtp:112 octet-align=1\r\na=ptime:20\r\n',
    );
  });

  it.each([
    ['verb too long', { type: 'command', verb: 'CREATE', transactionId: '1', endpoint: 'a@b', version: 'MGCP 1.0', params: [] }, 'verb'],
    ['transaction id not digits', { type: 'response', code: 200, transactionId: 'x', params: [] }, 'transaction id'],
    ['code out of range', { type: 'response', code: 1000, transactionId: '1', params: [] }, 'code'],
    ['line break in a value', { type: 'response', code: 200, transactionId: '1', params: [{ name: 'I', value: 'a\r\nb' }] }, 'I'],
    ['parameter without value', { type: 'response', code: 200, transactionId: '1', params: [{ name: 'I' }] }, 'I'],
    ['endpoint with space', { type: 'command', verb: 'DLCX', transactionId: '1', endpoint: 'a b@c', version: 'MGCP 1.0', params: [] }, 'endpoint'],
  ] as const)('%s: EncodeError', (_, m, ie) => {
    try {
      encode(m as unknown as MgcpMessage);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EncodeError);
      expect((e as EncodeError).ie).toBe(ie);
    }
  });
});
