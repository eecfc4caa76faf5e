import { fieldValues, ipv4Udp, LINKTYPE_RAW, tshark, tsharkAvailable, type PcapRecord } from '@snaptel/codec';
import { describe, expect, it } from 'vitest';
import { decode, encode, getParam, sdpMedia, type MgcpMessage } from '../src';
import { ALL_VECTORS, bytes } from './vectors';

/**
 * tshark as the oracle: each vector, decoded and re-encoded by us, goes into
 * a UDP datagram (commands to the gateway port 2427, responses from it) and
 * tshark's MGCP dissector must see no malformed packet and the same verb,
 * transaction id, endpoint, connection id and SDP port as we do.
 */
describe('tshark dissects our encodings', () => {
  it('tshark is installed', () => {
    expect(tsharkAvailable()).toBe(true);
  });

  const vectors = ALL_VECTORS;
  const messages: MgcpMessage[] = vectors.map((v) => decode(bytes(v.text)));
  const records: PcapRecord[] = messages.flatMap((m) =>
    ipv4Udp(m.type === 'command' ? { srcPort: 2727, dstPort: 2427 } : { srcPort: 2427, dstPort: 2727 }, [encode(m)]),
  );
  const packets = tsharkAvailable() ? tshark(records, LINKTYPE_RAW) : [];

  it('one dissected packet per message, none malformed', () => {
    expect(vectors.length).toBeGreaterThan(30);
    expect(packets).toHaveLength(records.length);
    expect(packets.filter((p) => p.malformed).map((_, i) => vectors[i]!.name)).toEqual([]);
  });

  it.each(vectors.map((v, i) => [v.name, i] as const))('%s', (_, i) => {
    const m = messages[i]!;
    const p = packets[i]!;
    expect(p.malformed).toBe(false);
    expect(fieldValues(p, 'mgcp.transid')).toEqual([m.transactionId]);
    if (m.type === 'command') {
      expect(fieldValues(p, 'mgcp.req.verb')).toEqual([m.verb]);
      expect(fieldValues(p, 'mgcp.req.endpoint')).toEqual([m.endpoint]);
    } else {
      expect(fieldValues(p, 'mgcp.rsp.rspcode')).toEqual([String(m.code)]);
    }
    const ci = getParam(m, 'I');
    expect(fieldValues(p, 'mgcp.param.connectionid')).toEqual(ci === undefined ? [] : [ci]);
    const media = sdpMedia(m);
    expect(fieldValues(p, 'sdp.media.port')).toEqual(media ? [String(media.port)] : []);
  });
});
