import { fieldValues, ipv4Udp, LINKTYPE_RAW, tshark, tsharkAvailable, type PcapRecord } from '@snaptel/codec';
import { describe, expect, it } from 'vitest';
import { CallAgent, CallMedia, decode, FakeMgw } from '../src';
import { bytes, flush, Link, VirtualClock } from './agent-harness';

/**
 * tshark as the oracle for the agent's transaction behaviour: a call set up
 * and torn down over a link that loses a command and a response, plus a
 * provisional/ResponseAck exchange, captured beside the agent and dissected.
 * tshark's MGCP dissector matches requests and responses by transaction id
 * on its own: it must flag exactly our retransmissions as duplicate requests
 * of the first transmission, match every response to a request with the same
 * id, and read our '000' as a response acknowledgement.
 */
describe('the agent on the wire, as tshark sees it', () => {
  it('tshark is installed', () => {
    expect(tsharkAvailable()).toBe(true);
  });

  it.runIf(tsharkAvailable())('retransmissions keep their transaction id, responses match, 000 acknowledges', async () => {
    const clock = new VirtualClock();
    const mgw = new FakeMgw();
    let agent!: CallAgent;
    const link = new Link(clock, mgw, (b) => agent.receive(b));
    agent = new CallAgent({ transport: { send: link.send }, timers: clock, firstTid: 4711 });
    link.dropCommand = (n) => n === 1; // first transmission of leg B's CRCX
    let mdcx = 0;
    link.dropResponse = (_n, t) => / 4713 /.test(t) && mdcx++ === 0; // first answer to the first MDCX
    const media = new CallMedia(agent, '5c1e');
    const steps = [() => media.setupLegA(), () => media.setupLegB(), () => media.setRemote('A', { ip: '10.0.0.7', port: 7000 }), () => media.teardown()];
    for (const s of steps) {
      let done = false;
      s().then(() => (done = true));
      for (let i = 0; i < 5000 && !done; i++) {
        await flush();
        clock.advance(1);
      }
      expect(done).toBe(true);
    }
    // a gateway that reports progress and then asks for a response acknowledgement
    const audit = agent.auep('rtpbridge/1');
    const tid = agent.pending()[0]!.tid;
    clock.advance(5);
    for (const text of [`100 ${tid} pending\r\n`, `200 ${tid} OK\r\nK:\r\n`]) {
      const b = bytes(text);
      link.frames.push({ at: clock.now(), dir: 'in', bytes: b });
      agent.receive(b);
    }
    await audit;

    const base = 1_700_000_000;
    const records: PcapRecord[] = link.frames.flatMap((f) =>
      ipv4Udp(f.dir === 'out' ? { srcPort: 2727, dstPort: 2427 } : { srcPort: 2427, dstPort: 2727 }, [f.bytes]).map((r) => ({ ...r, time: base + f.at / 1000 })),
    );
    const packets = tshark(records, LINKTYPE_RAW);
    expect(packets).toHaveLength(link.frames.length);
    expect(packets.filter((p) => p.malformed)).toEqual([]);

    const ours = link.frames.map((f) => decode(f.bytes));
    const firstFrameOfTid = new Map<string, number>();
    let retransmissions = 0;
    packets.forEach((p, i) => {
      const m = ours[i]!;
      expect(fieldValues(p, 'mgcp.transid')).toEqual([m.transactionId]);
      if (m.type === 'command') {
        const first = firstFrameOfTid.get(m.transactionId);
        if (first === undefined) {
          firstFrameOfTid.set(m.transactionId, i + 1);
          expect(fieldValues(p, 'mgcp.req.dup')).toEqual([]);
        } else {
          retransmissions++;
          expect(fieldValues(p, 'mgcp.req.dup.frame')).toEqual([String(first)]);
        }
      } else if (m.code >= 200 || m.code === 0) {
        // a response: tshark pairs it with the request frame of the same transaction id
        const req = fieldValues(p, 'mgcp.reqframe');
        if (m.code !== 0) expect(req).toEqual([String(firstFrameOfTid.get(m.transactionId))]);
        expect(fieldValues(p, 'mgcp.rsp.rspcode')).toEqual([String(m.code)]);
      }
    });
    expect(retransmissions).toBe(2);
    expect(retransmissions).toBe(agent.stats().retransmissions);
    // the acknowledgement is the last frame: '000 <tid>', read as a response with code 0 for that id
    const last = packets.at(-1)!;
    expect(fieldValues(last, 'mgcp.rsp.rspcode')).toEqual(['0']);
    expect(fieldValues(last, 'mgcp.transid')).toEqual([String(tid)]);
    expect(fieldValues(packets.at(-2)!, 'mgcp.param.rspack')).toEqual(['']);
  });
});
