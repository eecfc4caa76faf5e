import { decode, encode, type AgentLog, type AgentTimer, type AgentTimerHost, type FakeMgw, type MgcpMessage } from '../src';

/** A virtual clock: timers fire only in advance(), each at its own deadline, in deadline order. */
export class VirtualClock implements AgentTimerHost {
  t = 0;
  private seq = 0;
  private readonly timers = new Set<{ name: string; deadline: number; seq: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  at(name: string, deadline: number, fn: () => void): AgentTimer {
    const e = { name, deadline, seq: this.seq++, fn };
    this.timers.add(e);
    return { deadline, cancel: () => void this.timers.delete(e) };
  }

  /** Timers still armed, by deadline. */
  armed(): Array<{ name: string; deadline: number }> {
    return [...this.timers].sort((a, b) => a.deadline - b.deadline || a.seq - b.seq).map(({ name, deadline }) => ({ name, deadline }));
  }

  /** Moves time forward by `ms`, firing every timer due on the way (also those armed while firing). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: { name: string; deadline: number; seq: number; fn: () => void } | undefined;
      for (const e of this.timers) if (e.deadline <= end && (!next || e.deadline < next.deadline || (e.deadline === next.deadline && e.seq < next.seq))) next = e;
      if (!next) break;
      this.timers.delete(next);
      this.t = Math.max(this.t, next.deadline);
      next.fn();
    }
    this.t = end;
  }
}

export interface Sent {
  at: number;
  text: string;
  msg: MgcpMessage;
}

/** A transport that records what the agent sends (with the virtual time) and lets the test answer. */
export class RecordingTransport {
  readonly sent: Sent[] = [];
  fail = false;
  onSend: ((bytes: Uint8Array) => void) | undefined;

  constructor(private readonly clock: { now(): number }) {}

  send(bytes: Uint8Array): void {
    if (this.fail) throw new Error('socket not bound');
    this.sent.push({ at: this.clock.now(), text: Buffer.from(bytes).toString('latin1'), msg: decode(bytes) });
    this.onSend?.(bytes);
  }

  /** First lines of what was sent. */
  heads(): string[] {
    return this.sent.map((s) => s.text.split('\r\n')[0]!);
  }
}

export function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

export function response(code: number, tid: number | string, params: Array<[string, string]> = [], sdp?: string): Uint8Array {
  let s = `${String(code).padStart(3, '0')} ${tid} ${code < 300 ? 'OK' : 'FAIL'}\r\n`;
  for (const [n, v] of params) s += `${n}: ${v}\r\n`;
  if (sdp !== undefined) s += `\r\n${sdp}`;
  return bytes(s);
}

export const SDP_4002 = 'v=0\r\no=- 1 23 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4002 RTP/AVP 112\r\na=rtpmap:112 AMR/8000\r\na=ptime:20\r\n';

/** A log that keeps its lines for assertions. */
export class MemoryLog implements AgentLog {
  readonly lines: Array<{ level: string; msg: string; f: object }> = [];
  info(f: object, msg: string): void {
    this.lines.push({ level: 'info', msg, f });
  }
  warn(f: object, msg: string): void {
    this.lines.push({ level: 'warn', msg, f });
  }
  debug(f: object, msg: string): void {
    this.lines.push({ level: 'debug', msg, f });
  }
  count(level: string, text?: string): number {
    return this.lines.filter((l) => l.level === level && (text === undefined || l.msg.includes(text))).length;
  }
}

/**
 * Wires an agent's transport to a FakeMgw through a lossy, delayed link on
 * the virtual clock: `dropCommand(n)` / `dropResponse(n)` decide, per
 * datagram number (0-based, each direction), whether it is lost.
 */
export class Link {
  commands = 0;
  responses = 0;
  dropCommand: (n: number, text: string) => boolean = () => false;
  dropResponse: (n: number, text: string) => boolean = () => false;
  readonly trace: string[] = [];
  /** What a tap beside the agent sees: everything it sends, every answer that reaches it. */
  readonly frames: Array<{ at: number; dir: 'out' | 'in'; bytes: Uint8Array }> = [];

  constructor(
    private readonly clock: VirtualClock,
    private readonly mgw: FakeMgw,
    readonly deliver: (b: Uint8Array) => void,
    private readonly delayMs = 1,
  ) {}

  send = (b: Uint8Array): void => {
    const n = this.commands++;
    const text = Buffer.from(b).toString('latin1');
    const lost = this.dropCommand(n, text);
    this.frames.push({ at: this.clock.now(), dir: 'out', bytes: b });
    this.trace.push(`t=${this.clock.now()} > ${oneLine(text)}${lost ? '   [lost]' : ''}`);
    if (lost) return;
    this.clock.at('link', this.clock.now() + this.delayMs, () => {
      const r = this.mgw.handle(b);
      if (!r) return;
      const k = this.responses++;
      const rt = Buffer.from(r).toString('latin1');
      const rlost = this.dropResponse(k, rt);
      this.trace.push(`t=${this.clock.now()} < ${oneLine(rt)}${rlost ? '   [lost]' : ''}`);
      if (rlost) return;
      this.clock.at('link', this.clock.now() + this.delayMs, () => {
        this.frames.push({ at: this.clock.now(), dir: 'in', bytes: r });
        this.deliver(r);
      });
    });
  };
}

/** A datagram on one line: CRLF as ' | ', the SDP shortened to its m= line. */
export function oneLine(text: string): string {
  const [head, sdp] = text.split('\r\n\r\n');
  const parts = head!.split('\r\n').filter((l) => l !== '');
  if (sdp !== undefined) {
    const m = sdp.split('\r\n').find((l) => l.startsWith('m='));
    const c = sdp.split('\r\n').find((l) => l.startsWith('c='));
    parts.push(`{${c ?? ''} ${m ?? ''}}`);
  }
  return parts.join(' | ');
}

/** Lets queued promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Encodes a message (for tests that build responses as objects). */
export const enc = (m: MgcpMessage): Uint8Array => encode(m);
