import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GoldenLog, VirtualClock } from '@snaptel/fsm';
import { decode, M3uaEndpoint, type M3uaConfig, type TransferInfo } from '../src';
import { link } from './harness';
import { MemNet } from './pair';

/**
 * Two or three endpoints talking over in-memory associations: bring-up,
 * traffic both ways, override and loadshare with two ASPs, heartbeat loss,
 * association loss and recovery, IPSP. Golden logs for the main scenarios
 * (regenerate with SNAPTEL_UPDATE_FIXTURES=1 and read them).
 */

const GOLDEN = path.join(__dirname, 'golden');
const SCCP = Uint8Array.from(Buffer.from('09000305070242fe0242fe06000430040120', 'hex'));

interface World {
  clock: VirtualClock;
  log: GoldenLog;
  net: MemNet;
  mk(cfg: M3uaConfig): M3uaEndpoint;
  rx: Map<M3uaEndpoint, TransferInfo[]>;
  events: string[];
  advance(ms: number): void;
}

function world(): World {
  const clock = new VirtualClock();
  const log = new GoldenLog({ levels: true });
  const net = new MemNet();
  const rx = new Map<M3uaEndpoint, TransferInfo[]>();
  const events: string[] = [];
  return {
    clock,
    log,
    net,
    rx,
    events,
    mk(cfg) {
      const ep = new M3uaEndpoint(cfg, clock, log);
      rx.set(ep, []);
      ep.on('transfer', (t) => rx.get(ep)!.push({ ...t, data: t.data.slice() }));
      for (const e of ['active', 'inactive', 'down', 'pause', 'resume', 'notify', 'peer-error'] as const) {
        ep.on(e, (x: any) => {
          const line = `${ep.name}: event ${e} ${JSON.stringify(x)}`;
          events.push(line);
          log.note(line);
        });
      }
      return ep;
    },
    advance(ms) {
      clock.advance(ms);
      net.pump();
    },
  };
}

const SG_CFG: M3uaConfig = { role: 'sg', name: 'stp', localPc: 100, remotePcs: [300], applicationServers: [{ routingContext: 1, trafficMode: 'override', dpc: 200 }] };
const ASP_CFG = (name: string, aspId: number, extra: Partial<M3uaConfig> = {}): M3uaConfig => ({
  role: 'asp',
  name,
  localPc: 200,
  remotePcs: [100, 300],
  routingContexts: [1],
  trafficMode: 'override',
  aspId,
  ...extra,
});
const pdu = (from: number, to: number, sls: number) => ({ opc: from, dpc: to, si: 3, ni: 2, mp: 0, sls, data: SCCP });

describe('ASP and SG over one association', () => {
  it('bring-up, DATA both ways, DAUD, clean ASP Down (golden log)', () => {
    const w = world();
    const sg = w.mk(SG_CFG);
    const asp = w.mk(ASP_CFG('msc', 1, { heartbeat: false }));
    w.log.note('--- association up: the ASP comes up and active by itself');
    link(w.net, asp, sg);
    expect(asp.aspState).toBe('ASP-ACTIVE');
    expect(sg.asState(1)).toBe('AS-ACTIVE');

    w.log.note('--- MTP-TRANSFER both ways');
    asp.transfer(pdu(200, 300, 3));
    sg.transfer(pdu(300, 200, 4));
    w.net.pump();
    expect(w.rx.get(sg)!.map((t) => [t.opc, t.dpc, t.sls, t.routingContext, Buffer.from(t.data).toString('hex')])).toEqual([[200, 300, 3, 1, Buffer.from(SCCP).toString('hex')]]);
    expect(w.rx.get(asp)!.map((t) => [t.opc, t.dpc, t.sls, t.routingContext])).toEqual([[300, 200, 4, 1]]);

    w.log.note('--- DAUD: one destination known to the SG, one not');
    asp.audit([300, 301]);
    w.net.pump();
    expect(asp.available(300)).toBe(true);
    expect(asp.available(301)).toBe(false);
    w.log.note('--- the SG loses destination 300');
    sg.setDestination(300, false);
    w.net.pump();
    expect(asp.available(300)).toBe(false);

    w.log.note('--- ASP Inactive, then ASP Down');
    asp.aspInactive();
    w.net.pump();
    expect(sg.asState(1)).toBe('AS-PENDING');
    asp.aspDown();
    w.net.pump();
    expect(asp.aspState).toBe('ASP-DOWN');
    w.advance(2000);
    expect(sg.asState(1)).toBe('AS-DOWN');
    w.log.expect(path.join(GOLDEN, 'asp-sg.ok'));
  });

  it('DATA goes on the stream chosen by SLS, management on stream 0', () => {
    const w = world();
    const sg = w.mk(SG_CFG);
    const asp = w.mk(ASP_CFG('msc', 1, { heartbeat: false }));
    link(w.net, asp, sg, 5);
    w.net.wire.length = 0;
    for (let sls = 0; sls < 8; sls++) asp.transfer(pdu(200, 300, sls));
    asp.aspInactive();
    w.net.pump();
    const streams = w.net.wire.map((m) => [decode(m.data).type, m.stream]);
    expect(streams).toEqual([...[1, 2, 3, 4, 1, 2, 3, 4].map((s) => ['DATA', s]), ['ASPIA', 0], ['ASPIA_ACK', 0], ['NTFY', 0]]);
  });
});

describe('two ASPs in one AS', () => {
  it('override: the ASP that goes active takes over; the other is told Alternate ASP Active (golden log)', () => {
    const w = world();
    const sg = w.mk(SG_CFG);
    const a1 = w.mk(ASP_CFG('msc1', 1, { heartbeat: false }));
    const a2 = w.mk(ASP_CFG('msc2', 2, { heartbeat: false, initiate: false }));
    w.log.note('--- msc1 comes up and active');
    link(w.net, a1, sg);
    w.log.note('--- msc2 comes up (standby)');
    link(w.net, a2, sg);
    a2.aspUp();
    w.net.pump();
    expect(a2.aspState).toBe('ASP-INACTIVE');
    sg.transfer(pdu(300, 200, 1));
    w.net.pump();
    expect(w.rx.get(a1)).toHaveLength(1);
    w.log.note('--- msc2 goes active: it takes over');
    a2.aspActive();
    w.net.pump();
    expect(a2.aspState).toBe('ASP-ACTIVE');
    expect(a1.aspState).toBe('ASP-INACTIVE');
    expect(sg.asState(1)).toBe('AS-ACTIVE');
    expect(sg.status().ases[0]!.active).toEqual(['stp-assoc2']);
    sg.transfer(pdu(300, 200, 2));
    w.net.pump();
    expect(w.rx.get(a1)).toHaveLength(1);
    expect(w.rx.get(a2)).toHaveLength(1);
    expect(() => a1.transfer(pdu(200, 300, 1))).toThrow(/not ASP-ACTIVE/);
    // msc1 stays standby (it does not fight back) until told to go active again
    w.advance(10_000);
    expect(a1.aspState).toBe('ASP-INACTIVE');
    w.log.note('--- msc1 told to go active again: it takes over back');
    a1.aspActive();
    w.net.pump();
    expect([a1.aspState, a2.aspState]).toEqual(['ASP-ACTIVE', 'ASP-INACTIVE']);
    w.log.expect(path.join(GOLDEN, 'override.ok'));
  });

  it('loadshare: DATA spread over the active ASPs by SLS; when one goes, the other takes all', () => {
    const w = world();
    const sg = w.mk({ ...SG_CFG, applicationServers: [{ routingContext: 1, trafficMode: 'loadshare', dpc: 200 }] });
    const a1 = w.mk(ASP_CFG('msc1', 1, { trafficMode: 'loadshare', heartbeat: false }));
    const a2 = w.mk(ASP_CFG('msc2', 2, { trafficMode: 'loadshare', heartbeat: false }));
    const [x1] = link(w.net, a1, sg);
    link(w.net, a2, sg);
    expect([a1.aspState, a2.aspState]).toEqual(['ASP-ACTIVE', 'ASP-ACTIVE']);
    for (let sls = 0; sls < 16; sls++) sg.transfer(pdu(300, 200, sls));
    w.net.pump();
    expect(w.rx.get(a1)!.map((t) => t.sls)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    expect(w.rx.get(a2)!.map((t) => t.sls)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
    x1.abort('cable cut');
    w.net.pump();
    expect(sg.asState(1)).toBe('AS-ACTIVE');
    for (let sls = 0; sls < 4; sls++) sg.transfer(pdu(300, 200, sls));
    w.net.pump();
    expect(w.rx.get(a2)!.map((t) => t.sls).slice(8)).toEqual([0, 1, 2, 3]);
  });

  it('loadshare with n = 2: AS-ACTIVE only once two ASPs are active; Insufficient ASP Resources otherwise', () => {
    const w = world();
    const sg = w.mk({ ...SG_CFG, applicationServers: [{ routingContext: 1, trafficMode: 'loadshare', minActive: 2 }] });
    const a1 = w.mk(ASP_CFG('msc1', 1, { trafficMode: 'loadshare', heartbeat: false }));
    const a2 = w.mk(ASP_CFG('msc2', 2, { trafficMode: 'loadshare', heartbeat: false, initiate: false }));
    link(w.net, a1, sg);
    link(w.net, a2, sg);
    a2.aspUp();
    w.net.pump();
    expect(sg.asState(1)).toBe('AS-INACTIVE');
    a1.aspInactive();
    w.net.pump();
    a1.aspActive();
    w.net.pump();
    expect(w.events.filter((e) => e.includes('insufficient-asp-resources'))).toEqual([
      'msc2: event notify {"type":"NTFY","status":{"type":"other","info":"insufficient-asp-resources"},"routingContext":[1]}',
    ]);
    a2.aspActive();
    w.net.pump();
    expect(sg.asState(1)).toBe('AS-ACTIVE');
  });

  it('broadcast: every active ASP gets the DATA', () => {
    const w = world();
    const sg = w.mk({ ...SG_CFG, trafficMode: 'broadcast', applicationServers: [{ routingContext: 1 }] });
    const a1 = w.mk(ASP_CFG('msc1', 1, { trafficMode: 'broadcast', heartbeat: false }));
    const a2 = w.mk(ASP_CFG('msc2', 2, { trafficMode: 'broadcast', heartbeat: false }));
    link(w.net, a1, sg);
    link(w.net, a2, sg);
    sg.transfer(pdu(300, 200, 9));
    w.net.pump();
    expect([w.rx.get(a1)!.length, w.rx.get(a2)!.length]).toEqual([1, 1]);
  });
});

describe('failures and recovery', () => {
  it('heartbeat: acks keep it alive; when they stop, the peer is declared dead (golden log)', () => {
    const w = world();
    const sg = w.mk({ ...SG_CFG, heartbeat: false });
    const asp = w.mk(ASP_CFG('msc', 1, { timers: { 'T(beat)': 5 }, beatMissLimit: 2 }));
    link(w.net, asp, sg);
    w.log.note('--- two beats, both answered');
    w.advance(10_000);
    expect(asp.aspState).toBe('ASP-ACTIVE');
    w.log.note('--- the SG stops answering');
    w.net.dropping = true;
    w.advance(10_000); // two beats unanswered
    expect(asp.aspState).toBe('ASP-ACTIVE');
    w.advance(5_000); // the third period ends with two outstanding: dead
    expect(asp.aspState).toBe('ASP-DOWN');
    expect(asp.status().counters['heartbeat-lost']).toBe(1);
    expect(sg.status().peers).toEqual([]);
    expect(sg.asState(1)).toBe('AS-PENDING');
    expect(w.events).toContain('msc: event down {"reason":"association down: M3UA heartbeat lost"}');
    w.log.expect(path.join(GOLDEN, 'heartbeat.ok'));
  });

  it('association lost: AS-PENDING queues for T(r); a new association brings the ASP back by itself and the queue is sent (golden log)', () => {
    const w = world();
    const sg = w.mk({ ...SG_CFG, heartbeat: false });
    const asp = w.mk(ASP_CFG('msc', 1, { heartbeat: false }));
    const [x] = link(w.net, asp, sg);
    w.log.note('--- the association drops');
    x.abort('peer reset');
    w.net.pump();
    expect(asp.aspState).toBe('ASP-DOWN');
    expect(sg.asState(1)).toBe('AS-PENDING');
    expect(() => asp.transfer(pdu(200, 300, 1))).toThrow(expect.objectContaining({ code: 'not-active' }));
    w.log.note('--- traffic for the AS while pending is queued');
    sg.transfer(pdu(300, 200, 7));
    w.advance(1000);
    w.log.note('--- the user reconnects within T(r): ASP Up and ASP Active follow by themselves');
    link(w.net, asp, sg);
    expect(asp.aspState).toBe('ASP-ACTIVE');
    expect(sg.asState(1)).toBe('AS-ACTIVE');
    expect(w.rx.get(asp)!.map((t) => t.sls)).toEqual([7]);
    asp.transfer(pdu(200, 300, 1));
    w.net.pump();
    expect(w.rx.get(sg)).toHaveLength(1);
    w.log.expect(path.join(GOLDEN, 'recovery.ok'));
  });

  it('association lost for longer than T(r): the queue is dropped, and the later reconnection still recovers', () => {
    const w = world();
    const sg = w.mk({ ...SG_CFG, heartbeat: false });
    const asp = w.mk(ASP_CFG('msc', 1, { heartbeat: false }));
    const [x] = link(w.net, asp, sg);
    x.abort('gone');
    sg.transfer(pdu(300, 200, 7));
    w.advance(2000);
    expect(sg.asState(1)).toBe('AS-DOWN');
    expect(sg.status().counters.dropped).toBe(1);
    w.advance(60_000);
    link(w.net, asp, sg);
    expect([asp.aspState, sg.asState(1)]).toEqual(['ASP-ACTIVE', 'AS-ACTIVE']);
    expect(w.rx.get(asp)).toEqual([]);
  });

  it('an association that comes up later: ASP Up goes out when it is up, not before', () => {
    const w = world();
    const sg = w.mk({ ...SG_CFG, heartbeat: false });
    const asp = w.mk(ASP_CFG('msc', 1, { heartbeat: false }));
    const [x, y] = w.net.pair('msc', 'stp');
    asp.attach(x);
    sg.attach(y);
    w.advance(10_000);
    expect(w.net.wire).toEqual([]);
    w.net.up(x);
    w.net.pump();
    expect(asp.aspState).toBe('ASP-ACTIVE');
  });

  it('SCTP restart: the peer lost its state, the ASP goes through ASP Up and ASP Active again', () => {
    const w = world();
    const sg = w.mk({ ...SG_CFG, heartbeat: false });
    const asp = w.mk(ASP_CFG('msc', 1, { heartbeat: false }));
    const [x, y] = link(w.net, asp, sg);
    w.net.wire.length = 0;
    x.emit('restart');
    y.emit('restart');
    w.net.pump();
    expect(w.net.wire.map((m) => decode(m.data).type)).toEqual(['ASPUP', 'ASPUP_ACK', 'NTFY', 'ASPAC', 'ASPAC_ACK', 'NTFY']);
    expect([asp.aspState, sg.asState(1)]).toEqual(['ASP-ACTIVE', 'AS-ACTIVE']);
  });

  it('a message with another PPID is ignored; close() stops every timer', () => {
    const w = world();
    const sg = w.mk({ ...SG_CFG });
    const asp = w.mk(ASP_CFG('msc', 1));
    const [x] = link(w.net, asp, sg);
    x.send(Uint8Array.from([1, 2, 3]), { stream: 0, ppid: 46 });
    w.net.pump();
    expect(sg.status().counters['rx-not-m3ua']).toBe(1);
    expect(w.clock.pending().length).toBeGreaterThan(0);
    asp.close();
    sg.close();
    expect(w.clock.pending()).toEqual([]);
    expect(() => asp.transfer(pdu(200, 300, 1))).toThrow(/closed/);
  });
});

describe('IPSP', () => {
  it('double exchange: each side brings itself up at the other, DATA flows both ways', () => {
    const w = world();
    const a = w.mk({ role: 'ipsp', name: 'ipspA', localPc: 1, routingContexts: [5], heartbeat: false });
    const b = w.mk({ role: 'ipsp', name: 'ipspB', localPc: 2, routingContexts: [5], heartbeat: false });
    link(w.net, a, b);
    expect([a.aspState, b.aspState, a.asState(5), b.asState(5)]).toEqual(['ASP-ACTIVE', 'ASP-ACTIVE', 'AS-ACTIVE', 'AS-ACTIVE']);
    a.transfer(pdu(1, 2, 0));
    b.transfer(pdu(2, 1, 1));
    w.net.pump();
    expect([w.rx.get(a)!.length, w.rx.get(b)!.length]).toEqual([1, 1]);
  });

  it('single exchange: only one side initiates; traffic still flows both ways', () => {
    const w = world();
    const a = w.mk({ role: 'ipsp', name: 'ipspA', localPc: 1, routingContexts: [5], heartbeat: false });
    const b = w.mk({ role: 'ipsp', name: 'ipspB', localPc: 2, routingContexts: [5], heartbeat: false, initiate: false });
    link(w.net, a, b);
    expect([a.aspState, b.aspState, b.asState(5)]).toEqual(['ASP-ACTIVE', 'ASP-DOWN', 'AS-ACTIVE']);
    a.transfer(pdu(1, 2, 0));
    b.transfer(pdu(2, 1, 1));
    w.net.pump();
    expect([w.rx.get(a)!.length, w.rx.get(b)!.length]).toEqual([1, 1]);
  });
});

describe('registration from the ASP side', () => {
  it('register() sends REG REQ; the answer comes as a registered event', () => {
    const w = world();
    const sg = w.mk({ ...SG_CFG, heartbeat: false });
    const asp = w.mk(ASP_CFG('msc', 1, { heartbeat: false, initiate: false }));
    link(w.net, asp, sg);
    asp.aspUp();
    w.net.pump();
    const got: unknown[] = [];
    asp.on('registered', (m) => got.push(m));
    asp.register([{ localRkId: 9, dpc: { mask: 0, pc: 200 } }]);
    w.net.pump();
    expect(got).toEqual([{ type: 'REG_RSP', registrationResults: [{ localRkId: 9, registrationStatus: 'successfully-registered', routingContext: [1] }] }]);
  });
});
