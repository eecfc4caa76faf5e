import { BscSim, type BscSimOptions } from './bsc';
import type { SimCredentials } from './auth';
import { BscSimError, TimeoutError } from './errors';
import type { Ms } from './ms';
import type { ReceivedSms } from './sms';

/**
 * Bounded load scenarios against an MSC, for benchmarks (the MSC's bench
 * runs `bsc-sim` in its own process) and soak tests: N subscribers numbered
 * from a base IMSI / Ki / MSISDN, then location updates, calls between pairs
 * of them, IMSI detaches, each phase with a concurrency limit. Every loop is
 * bounded by a count and by the run's deadline; operations in flight when the
 * deadline passes are left `graceMs` to finish before the link is closed.
 */
export interface ScenarioOptions {
  /** "host:port" of the MSC (default 127.0.0.1:5000). */
  msc?: string;
  subscribers: number;
  /** IMSI of subscriber 0; subscriber i has imsiBase + i (same number of digits). Default 001010000000001. */
  imsiBase?: string;
  /** Ki of subscriber 0 (32 hex digits); subscriber i has kiBase + i as a 128-bit number. Default 000102..0f. */
  kiBase?: string;
  /** OPc for MILENAGE, the same for every subscriber. */
  opc?: string;
  algo?: SimCredentials['algo'];
  /** MSISDN of subscriber 0; subscriber i has msisdnBase + i. Default 1000. */
  msisdnBase?: string;
  /** Phases, in this order: location update of every subscriber, `calls` calls, IMSI detach of every subscriber. */
  lu?: boolean;
  calls?: number;
  /** MO short messages between pairs (1st to 2nd, 3rd to 4th, ...), after the calls; each is followed until the callee has it (or settle time ran out). */
  sms?: number;
  /** Text of the scenario's SMS (default "bsc-sim sms <i>"; longer than 160 GSM characters makes concatenated ones). */
  smsText?: string;
  detach?: boolean;
  /** Operations in flight at once, per phase (default 10). */
  concurrency?: number;
  /** How long a call stays connected before the caller hangs up (default 0). */
  holdMs?: number;
  /** The callee answers after this delay (default 0: at once). */
  answerDelayMs?: number;
  /** The whole run's bound (default 60 s): no operation starts after it. */
  durationMs?: number;
  /** Time left to operations in flight at the deadline (default 10 s); then the link is closed. */
  graceMs?: number;
  /** Time for the link to come up (default 10 s). */
  startTimeoutMs?: number;
  /** BscSim options (point codes, unit name, timers, LAC, trace, ...). */
  bsc?: Omit<BscSimOptions, 'msc'>;
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PhaseReport {
  attempted: number;
  /** Completed as the MSC intended to (LU accepted, call connected and released, detach released). */
  ok: number;
  /** The network said no (LU REJECT, CM SERVICE REJECT, call released before connect by the network). */
  rejected: number;
  /** Timeouts, protocol errors, lost connections: by error code. */
  failed: number;
  errors: Record<string, number>;
  /** From the phase's first start to its last end. */
  durationMs: number;
  /** ok per second over durationMs. */
  perSecond: number;
  /** Of the ok ones: LU request -> accept, SETUP -> connected, detach -> released. */
  latencyMs?: Latency;
}

export interface SmsPhaseReport extends PhaseReport {
  /** Messages the callee received whole (its 'sms' event with the text sent). */
  delivered: number;
  /** RP-DATA sent by the caller -> the callee has the whole message. */
  deliveryLatencyMs?: Latency;
}

export interface ScenarioReport {
  msc: string;
  subscribers: number;
  linkUpMs: number;
  durationMs: number;
  lu?: PhaseReport;
  calls?: PhaseReport;
  sms?: SmsPhaseReport;
  detach?: PhaseReport;
  messages: { sent: number; received: number; perSecond: number };
  /** CPU time (user + system) this process spent during the run: with the MSC elsewhere, the simulator's own cost. */
  cpuMs: number;
  /** The run hit its deadline before every operation was started. */
  deadlineReached: boolean;
}

export interface Subscriber {
  imsi: string;
  msisdn: string;
  ki: string;
  opc?: string;
  algo: SimCredentials['algo'];
}

function addDecimal(base: string, i: number, what: string): string {
  if (!/^\d+$/.test(base)) throw new RangeError(`${what}: ${base} is not a decimal number`);
  const v = (BigInt(base) + BigInt(i)).toString();
  if (v.length > base.length) throw new RangeError(`${what}: ${base} + ${i} needs more than ${base.length} digits`);
  return v.padStart(base.length, '0');
}

/** Subscriber i of a scenario: what the MSC's HLR must be provisioned with (the same numbering rule as the run). */
export function subscriberAt(opts: Pick<ScenarioOptions, 'imsiBase' | 'kiBase' | 'opc' | 'algo' | 'msisdnBase'>, i: number): Subscriber {
  const kiBase = opts.kiBase ?? '000102030405060708090a0b0c0d0e0f';
  if (!/^[0-9a-fA-F]{32}$/.test(kiBase)) throw new RangeError(`kiBase: ${kiBase} is not 32 hex digits`);
  const ki = ((BigInt(`0x${kiBase}`) + BigInt(i)) & ((1n << 128n) - 1n)).toString(16).padStart(32, '0');
  const s: Subscriber = {
    imsi: addDecimal(opts.imsiBase ?? '001010000000001', i, 'imsiBase'),
    msisdn: addDecimal(opts.msisdnBase ?? '1000', i, 'msisdnBase'),
    ki,
    algo: opts.algo ?? 'comp128v1',
  };
  if (opts.opc) s.opc = opts.opc;
  return s;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function latency(xs: number[]): Latency | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { p50: r(percentile(s, 0.5)), p90: r(percentile(s, 0.9)), p99: r(percentile(s, 0.99)), max: r(s[s.length - 1]!), mean: r(s.reduce((a, b) => a + b, 0) / s.length) };
}

/** An error's key in the report: its code, with the timer for timeouts ("timeout:T3210"). */
export function errorKey(e: unknown): string {
  if (e instanceof TimeoutError) return `timeout:${e.timer}`;
  if (e instanceof BscSimError) return e.code;
  return e instanceof Error ? e.name : String(e);
}

type Outcome = { kind: 'ok'; latency: number } | { kind: 'rejected' } | { kind: 'failed'; error: unknown };

class Phase {
  private started = 0;
  private ended = 0;
  private first = 0;
  private last = 0;
  private lat: number[] = [];
  private rejected = 0;
  private errors: Record<string, number> = {};
  private ok = 0;
  private failed = 0;

  begin(): void {
    if (!this.started++) this.first = performance.now();
  }

  end(o: Outcome): void {
    this.ended++;
    this.last = performance.now();
    if (o.kind === 'ok') {
      this.ok++;
      this.lat.push(o.latency);
    } else if (o.kind === 'rejected') this.rejected++;
    else {
      this.failed++;
      const k = errorKey(o.error);
      this.errors[k] = (this.errors[k] ?? 0) + 1;
    }
  }

  report(): PhaseReport {
    const durationMs = this.started ? this.last - this.first : 0;
    const r: PhaseReport = {
      attempted: this.started,
      ok: this.ok,
      rejected: this.rejected,
      failed: this.failed,
      errors: this.errors,
      durationMs: Math.round(durationMs * 1000) / 1000,
      perSecond: durationMs > 0 ? Math.round((this.ok * 1000 * 1000) / durationMs) / 1000 : 0,
    };
    const l = latency(this.lat);
    if (l) r.latencyMs = l;
    return r;
  }
}

/** Runs `fn` on each item with at most `concurrency` in flight; no item starts after `deadline` (performance.now()). */
async function pool<T>(items: readonly T[], concurrency: number, deadline: number, fn: (item: T) => Promise<void>): Promise<boolean> {
  let next = 0;
  let cut = false;
  const worker = async () => {
    while (next < items.length) {
      if (performance.now() >= deadline) {
        cut = true;
        return;
      }
      await fn(items[next++]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return cut;
}

/** Waits until the MS has no connection, at most `ms` (a failed operation may leave one being cleared). */
async function settle(ms: Ms, limit: number): Promise<void> {
  await ms.idle(limit).catch(() => {});
}

export async function runScenario(opts: ScenarioOptions): Promise<ScenarioReport> {
  const n = opts.subscribers;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`subscribers: ${n} is not a positive integer`);
  const calls = opts.calls ?? 0;
  if (!Number.isInteger(calls) || calls < 0) throw new RangeError(`calls: ${calls} is not a count`);
  if (calls > 0 && n < 2) throw new RangeError('calls need at least 2 subscribers');
  const smsCount = opts.sms ?? 0;
  if (!Number.isInteger(smsCount) || smsCount < 0) throw new RangeError(`sms: ${smsCount} is not a count`);
  if (smsCount > 0 && n < 2) throw new RangeError('sms need at least 2 subscribers');
  const concurrency = opts.concurrency ?? 10;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency: ${concurrency} is not a positive integer`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = t0 + (opts.durationMs ?? 60_000);
  const grace = opts.graceMs ?? 10_000;
  const msc = opts.msc ?? '127.0.0.1:5000';
  const bsc = new BscSim({ ...(opts.bsc ?? {}), msc });
  const subs = Array.from({ length: n }, (_, i) => subscriberAt(opts, i));
  const mss = subs.map((s) => {
    const m: Parameters<BscSim['addMs']>[0] = { imsi: s.imsi, msisdn: s.msisdn, ki: s.ki, algo: s.algo, answerCalls: opts.answerDelayMs ? opts.answerDelayMs : 'auto' };
    if (s.opc) m.opc = s.opc;
    return bsc.addMs(m);
  });
  const report: ScenarioReport = { msc, subscribers: n, linkUpMs: 0, durationMs: 0, messages: { sent: 0, received: 0, perSecond: 0 }, cpuMs: 0, deadlineReached: false };
  const hard = setTimeout(() => void bsc.stop(), Math.max(0, deadline - performance.now()) + grace);
  const settleMs = Math.max(bsc.timers.T3240, bsc.timers.X_CLEAR) + bsc.timers.X_RLSD + 1000;
  try {
    await bsc.start({ timeoutMs: opts.startTimeoutMs ?? 10_000 });
    report.linkUpMs = Math.round((performance.now() - t0) * 1000) / 1000;

    if (opts.lu) {
      const phase = new Phase();
      report.deadlineReached ||= await pool(mss, concurrency, deadline, async (ms) => {
        phase.begin();
        try {
          const r = await ms.locationUpdate();
          phase.end(r.accepted ? { kind: 'ok', latency: r.durationMs } : { kind: 'rejected' });
        } catch (e) {
          phase.end({ kind: 'failed', error: e });
          await settle(ms, settleMs);
        }
      });
      report.lu = phase.report();
    }

    if (calls > 0) {
      const phase = new Phase();
      // Pairs (0,1), (2,3), ...: a pair is in one call at a time.
      const pairs: [Ms, Ms][] = [];
      for (let i = 0; i + 1 < n; i += 2) pairs.push([mss[i]!, mss[i + 1]!]);
      const free = [...pairs];
      const waiting: ((p: [Ms, Ms]) => void)[] = [];
      const take = () => (free.length ? Promise.resolve(free.shift()!) : new Promise<[Ms, Ms]>((r) => waiting.push(r)));
      const give = (p: [Ms, Ms]) => (waiting.length ? waiting.shift()!(p) : free.push(p));
      const jobs = Array.from({ length: calls }, (_, i) => i);
      report.deadlineReached ||= await pool(jobs, Math.min(concurrency, pairs.length), deadline, async () => {
        const pair = await take();
        const [a, b] = pair;
        phase.begin();
        try {
          const call = a.call(b.msisdn!);
          try {
            await call.connected;
          } catch (e) {
            const rel = await call.released;
            if (rel.by === 'network' && (e as { code?: string }).code === 'call-failed') {
              phase.end({ kind: 'rejected' });
              return;
            }
            throw e;
          }
          const setupMs = call.timing.connectedMs ?? 0;
          if (opts.holdMs) await new Promise((r) => setTimeout(r, opts.holdMs));
          await call.hangup();
          await Promise.all([a.idle(settleMs), b.idle(settleMs)]);
          phase.end({ kind: 'ok', latency: setupMs });
        } catch (e) {
          phase.end({ kind: 'failed', error: e });
        } finally {
          await Promise.all([settle(a, settleMs), settle(b, settleMs)]);
          give(pair);
        }
      });
      report.calls = phase.report();
    }

    if (smsCount > 0) {
      const phase = new Phase();
      let delivered = 0;
      const deliveryLat: number[] = [];
      const pairs: [Ms, Ms][] = [];
      for (let i = 0; i + 1 < n; i += 2) pairs.push([mss[i]!, mss[i + 1]!]);
      const free = [...pairs];
      const waiting: ((p: [Ms, Ms]) => void)[] = [];
      const take = () => (free.length ? Promise.resolve(free.shift()!) : new Promise<[Ms, Ms]>((r) => waiting.push(r)));
      const give = (p: [Ms, Ms]) => (waiting.length ? waiting.shift()!(p) : free.push(p));
      const jobs = Array.from({ length: smsCount }, (_, i) => i);
      report.deadlineReached ||= await pool(jobs, Math.min(concurrency, pairs.length), deadline, async (i) => {
        const pair = await take();
        const [a, b] = pair;
        const text = opts.smsText ?? `bsc-sim sms ${i}`;
        let onSms: ((m: ReceivedSms) => void) | undefined;
        let timer: NodeJS.Timeout | undefined;
        phase.begin();
        try {
          const t0 = performance.now();
          const arrived = new Promise<number | undefined>((resolve) => {
            onSms = (m) => {
              if (m.text === text) resolve(performance.now() - t0);
            };
            b.on('sms', onSms);
            timer = setTimeout(() => resolve(undefined), settleMs);
          });
          const r = await a.sendSms(b.msisdn!, text);
          if (!r.accepted) {
            phase.end({ kind: 'rejected' });
            return;
          }
          phase.end({ kind: 'ok', latency: r.durationMs });
          const at = await arrived;
          if (at !== undefined) {
            delivered++;
            deliveryLat.push(at);
          }
        } catch (e) {
          phase.end({ kind: 'failed', error: e });
        } finally {
          if (timer) clearTimeout(timer);
          if (onSms) b.off('sms', onSms);
          await Promise.all([settle(a, settleMs), settle(b, settleMs)]);
          give(pair);
        }
      });
      const sr: SmsPhaseReport = { ...phase.report(), delivered };
      const dl = latency(deliveryLat);
      if (dl) sr.deliveryLatencyMs = dl;
      report.sms = sr;
    }

    if (opts.detach) {
      const phase = new Phase();
      report.deadlineReached ||= await pool(mss, concurrency, deadline, async (ms) => {
        phase.begin();
        try {
          const r = await ms.imsiDetach();
          phase.end({ kind: 'ok', latency: r.durationMs });
        } catch (e) {
          phase.end({ kind: 'failed', error: e });
          await settle(ms, settleMs);
        }
      });
      report.detach = phase.report();
    }
  } finally {
    clearTimeout(hard);
    const st = bsc.stats();
    report.durationMs = Math.round((performance.now() - t0) * 1000) / 1000;
    const cpu = process.cpuUsage(cpu0);
    report.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    report.messages = { sent: st.messagesSent, received: st.messagesReceived, perSecond: report.durationMs > 0 ? Math.round(((st.messagesSent + st.messagesReceived) * 1000) / report.durationMs) : 0 };
    await bsc.stop();
  }
  return report;
}

const f1 = (x: number) => x.toFixed(1);

/** The report as text, one line per phase. */
export function formatReport(
  r: ScenarioReport,
  unit: Record<'lu' | 'calls' | 'detach', string> & { sms?: string } = { lu: 'LU/s', calls: 'calls/s', sms: 'SMS/s', detach: 'detach/s' },
): string {
  const out = [`bsc-sim: ${r.subscribers} subscriber(s) against ${r.msc}: link up in ${f1(r.linkUpMs)} ms, run ${(r.durationMs / 1000).toFixed(2)} s${r.deadlineReached ? ' (deadline reached)' : ''}`];
  for (const k of ['lu', 'calls', 'sms', 'detach'] as const) {
    const p = r[k];
    if (!p) continue;
    let line = `  ${k.padEnd(7)} ${p.ok} ok / ${p.attempted} (${p.rejected} rejected, ${p.failed} failed) in ${(p.durationMs / 1000).toFixed(2)} s: ${f1(p.perSecond)} ${unit[k] ?? 'SMS/s'}`;
    if (p.latencyMs) line += `; latency ms p50 ${f1(p.latencyMs.p50)} p90 ${f1(p.latencyMs.p90)} p99 ${f1(p.latencyMs.p99)} max ${f1(p.latencyMs.max)}`;
    out.push(line);
    if (k === 'sms') {
      const s = p as SmsPhaseReport;
      let d = `          delivered ${s.delivered} / ${s.ok}`;
      if (s.deliveryLatencyMs) d += `; delivery ms p50 ${f1(s.deliveryLatencyMs.p50)} p90 ${f1(s.deliveryLatencyMs.p90)} p99 ${f1(s.deliveryLatencyMs.p99)} max ${f1(s.deliveryLatencyMs.max)}`;
      out.push(d);
    }
    const errs = Object.entries(p.errors);
    if (errs.length) out.push(`          errors: ${errs.map(([e, c]) => `${e} ${c}`).join(', ')}`);
  }
  out.push(`  messages sent ${r.messages.sent}, received ${r.messages.received} (${r.messages.perSecond} msg/s)`);
  return out.join('\n');
}

