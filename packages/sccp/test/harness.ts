/**
 * Two (or more) SCCP nodes wired back to back: the lower layer is a queue of
 * function calls, delivered by pump() to the node whose point code is the
 * DPC. A tap decodes every message for assertions and for golden logs.
 */
import { GoldenLog, VirtualClock } from '@snaptel/fsm';
import {
  decode,
  SccpNode,
  type MtpRoute,
  type SccpAddress,
  type SccpConnection,
  type SccpMessage,
  type SccpNodeOptions,
  type SccpNotice,
  type SccpReleaseInfo,
  type SccpUser,
  type UnitdataInfo,
} from '../src';

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const u8 = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

export interface Sent {
  from: string;
  to: string;
  bytes: Uint8Array;
  route: MtpRoute;
  msg: SccpMessage;
  /** Clock time when sent. */
  at: number;
}

const ref = (n: number) => n.toString(16).padStart(6, '0');

function addr(a: SccpAddress | undefined): string {
  if (!a) return '-';
  const parts: string[] = [a.routing];
  if (a.pc !== undefined) parts.push(`pc=${a.pc}`);
  if (a.ssn !== undefined) parts.push(`ssn=${a.ssn}`);
  if (a.gt && 'digits' in a.gt) parts.push(`gt=${a.gt.digits}`);
  return `{${parts.join(' ')}}`;
}

/** One line per message, the fields a reader checks: `CR src=000001 class=2 called={ssn pc=2 ssn=254} data=4 octets`. */
export function summary(m: SccpMessage): string {
  const r = m as unknown as Record<string, any>;
  const out: string[] = [m.type];
  if (r.dstRef !== undefined) out.push(`dst=${ref(r.dstRef)}`);
  if (r.srcRef !== undefined) out.push(`src=${ref(r.srcRef)}`);
  if (r.protocolClass) out.push(`class=${r.protocolClass.class}${r.protocolClass.handling ? `/ret` : ''}`);
  if (r.hopCounter !== undefined) out.push(`hops=${r.hopCounter}`);
  for (const k of ['releaseCause', 'refusalCause', 'returnCause', 'errorCause']) if (r[k] !== undefined) out.push(`${k.replace('Cause', '')}=${r[k]}`);
  if (r.segmentingReassembling !== undefined) out.push(`M=${r.segmentingReassembling & 1}`);
  if (r.called) out.push(`called=${addr(r.called)}`);
  if (r.calling) out.push(`calling=${addr(r.calling)}`);
  if (r.segmentation) out.push(`seg=${r.segmentation.first ? 'F' : '-'}${r.segmentation.remaining}/c${r.segmentation.class}/${ref(r.segmentation.ref)}`);
  if (r.sequencing) out.push(`seq=${r.sequencing.sendSeq}/${r.sequencing.recvSeq} credit=${r.credit}`);
  if (r.data !== undefined) out.push(`data=${r.data.length / 2} octets`);
  return out.join(' ');
}

export class Wire {
  readonly clock = new VirtualClock();
  private readonly t0 = this.clock.now();
  readonly nodes = new Map<number, { name: string; node: SccpNode }>();
  readonly sent: Sent[] = [];
  private queue: Array<{ to: number; bytes: Uint8Array; route: MtpRoute; from: string }> = [];
  /** Messages for which this returns true are lost. */
  drop: ((s: Sent) => boolean) | undefined;
  /** Deliver at once inside send() instead of queueing (re-entrancy test). */
  sync = false;
  /** Where the tap writes its lines (a GoldenLog shared with the FSMs for golden files). */
  constructor(readonly log?: GoldenLog) {}

  add(name: string, opts: Partial<SccpNodeOptions> & { pc: number }): SccpNode {
    const node = new SccpNode({
      name,
      host: this.clock,
      fsmLog: this.log,
      ...opts,
      lower: {
        send: (bytes, route) => {
          const toName = this.nodes.get(route.dpc)?.name ?? `pc${route.dpc}`;
          const s: Sent = { from: name, to: toName, bytes, route, msg: decode(bytes), at: this.clock.now() };
          this.sent.push(s);
          const lost = this.drop?.(s) ?? false;
          this.log?.note(`[${((this.clock.now() - this.t0) / 1000).toFixed(3).padStart(8)}s] ${name} -> ${toName}  ${summary(s.msg)}${lost ? '  (lost)' : ''}`);
          if (lost) return;
          if (this.sync) this.nodes.get(route.dpc)?.node.receive(bytes, route);
          else this.queue.push({ to: route.dpc, bytes, route, from: name });
        },
      },
    });
    this.nodes.set(opts.pc, { name, node });
    return node;
  }

  /** Delivers everything queued, and what that provokes; returns how many messages were delivered. */
  pump(max = 100_000): number {
    let n = 0;
    while (this.queue.length > 0) {
      if (++n > max) throw new Error('Wire.pump: no end in sight');
      const q = this.queue.shift()!;
      this.nodes.get(q.to)?.node.receive(q.bytes, q.route);
    }
    return n;
  }

  /** Moves the clock, pumping after each timer. */
  advance(ms: number): void {
    const end = this.clock.now() + ms;
    for (;;) {
      this.pump();
      const next = this.clock.nextDeadline();
      if (next === undefined || next > end) break;
      this.clock.advanceTo(next);
    }
    this.clock.advanceTo(end);
    this.pump();
  }

  /** Delivers the oldest queued message; false when none was queued. */
  step(): boolean {
    const q = this.queue.shift();
    if (!q) return false;
    this.nodes.get(q.to)?.node.receive(q.bytes, q.route);
    return true;
  }

  get inFlight(): number {
    return this.queue.length;
  }

  /** Message types sent since `from` (an index into sent). */
  types(from = 0): string[] {
    return this.sent.slice(from).map((s) => `${s.from}>${s.to} ${s.msg.type}`);
  }
}

export type Policy = 'accept' | 'refuse' | 'manual' | 'throw';

/** A user that records what happens to it, and answers CRs by its policy. */
export class Recorder implements SccpUser {
  readonly events: string[] = [];
  readonly conns: SccpConnection[] = [];
  readonly released = new Map<SccpConnection, SccpReleaseInfo>();
  readonly received: Uint8Array[] = [];
  readonly byConn = new Map<SccpConnection, Uint8Array[]>();
  readonly unitdata: Array<{ data: Uint8Array; calling: SccpAddress; called: SccpAddress; info: UnitdataInfo }> = [];
  readonly notices: SccpNotice[] = [];
  acceptData: Uint8Array | undefined;
  refuseCause = 0;

  constructor(
    readonly name: string,
    public policy: Policy = 'accept',
    private readonly log?: GoldenLog,
  ) {}

  private ev(s: string): void {
    this.events.push(s);
    this.log?.note(`  ${this.name}: ${s}`);
  }

  onConnectIndication(conn: SccpConnection, data: Uint8Array | undefined, calling: SccpAddress | undefined): void {
    this.conns.push(conn);
    this.ev(`connect indication ${conn.name}${data ? ` data=${hex(data)}` : ''}${calling ? ` calling pc=${calling.pc}` : ''}`);
    if (this.policy === 'accept') conn.accept(this.acceptData);
    else if (this.policy === 'refuse') conn.refuse(this.refuseCause);
    else if (this.policy === 'throw') throw new Error('user bug');
  }
  onConnected(conn: SccpConnection, data: Uint8Array | undefined): void {
    this.ev(`connected ${conn.name}${data ? ` data=${hex(data)}` : ''}`);
  }
  onData(conn: SccpConnection, data: Uint8Array): void {
    this.received.push(data);
    const l = this.byConn.get(conn);
    if (l) l.push(data);
    else this.byConn.set(conn, [data]);
    this.ev(`data ${conn.name} ${data.length <= 16 ? hex(data) : `${data.length} octets`}`);
  }
  onReleased(conn: SccpConnection, info: SccpReleaseInfo): void {
    if (this.released.has(conn)) throw new Error(`${conn.name} released twice`);
    this.released.set(conn, info);
    this.ev(`released ${conn.name} by ${info.by}: ${info.kind} cause ${info.cause} (${info.text})${info.confirmed !== undefined ? ` confirmed=${info.confirmed}` : ''}`);
  }
  onUnitdata(data: Uint8Array, calling: SccpAddress, called: SccpAddress, info: UnitdataInfo): void {
    this.unitdata.push({ data, calling, called, info });
    this.ev(`unitdata ${info.type} class ${info.protocolClass} ${data.length} octets`);
  }
  onNotice(n: SccpNotice): void {
    this.notices.push(n);
    this.ev(`notice ${n.type} cause ${n.returnCause} (${n.text})`);
  }
}

export const BSSAP = 254;
/** SSN-routed address with PC and SSN. */
export const at = (pc: number, ssn = BSSAP): SccpAddress => ({ routing: 'ssn', pc, ssn });
