import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli';
import { errorKey, formatReport, runScenario, subscriberAt, TimeoutError, type ScenarioOptions } from '../src';
// @ts-expect-error: plain JS helper shared with bench/run.mjs
import { AutoMsc } from './auto-msc.mjs';

/**
 * The scenario runner and the bsc-sim command line against the automatic
 * fake MSC (test/auto-msc.mjs): counts, rates, latency percentiles, the
 * numbering rule the MSC's HLR must share, and the bounds.
 */

type Auto = { port: number; stats: Record<string, number>; close(): Promise<void> };
let msc: Auto | undefined;

afterEach(async () => {
  await msc?.close();
  msc = undefined;
});

const BASE: Pick<ScenarioOptions, 'imsiBase' | 'kiBase' | 'msisdnBase' | 'algo'> = { imsiBase: '001010000000001', kiBase: COMP128_KI(), msisdnBase: '2000', algo: 'comp128v1' };
function COMP128_KI(): string {
  return 'eb215756028d60e3275e613320aec880';
}

async function auto(n: number, auth: boolean, base = BASE): Promise<Auto> {
  msc = (await AutoMsc.start({ subscribers: Array.from({ length: n }, (_, i) => subscriberAt(base, i)), auth })) as Auto;
  return msc;
}

describe('numbering', () => {
  it('subscriber i: IMSI, MSISDN count up in decimal with the same width, Ki counts up as a 128-bit number', () => {
    expect(subscriberAt({ imsiBase: '001010000000099', kiBase: '000000000000000000000000000000ff', msisdnBase: '0999' }, 1)).toEqual({
      imsi: '001010000000100',
      msisdn: '1000',
      ki: '00000000000000000000000000000100',
      algo: 'comp128v1',
    });
    expect(subscriberAt({ kiBase: 'ffffffffffffffffffffffffffffffff' }, 1).ki).toBe('00000000000000000000000000000000');
    expect(() => subscriberAt({ imsiBase: '999' }, 1)).toThrow(/needs more than 3 digits/);
    expect(() => subscriberAt({ kiBase: 'xyz' }, 0)).toThrow(/32 hex digits/);
  });

  it('error keys name the timer of a timeout', () => {
    expect(errorKey(new TimeoutError('LOCATION UPDATING', 'T3210', 20_000, ['X'], undefined))).toBe('timeout:T3210');
    expect(errorKey(new RangeError('x'))).toBe('RangeError');
  });
});

describe('runScenario against the automatic MSC', () => {
  it('LU, calls between pairs (paging, both legs), detach: all ok, with rates and latency percentiles', async () => {
    const m = await auto(20, false);
    const r = await runScenario({ ...BASE, msc: `127.0.0.1:${m.port}`, subscribers: 20, lu: true, calls: 15, detach: true, concurrency: 4, durationMs: 30_000 });
    expect(r.lu).toMatchObject({ attempted: 20, ok: 20, rejected: 0, failed: 0, errors: {} });
    expect(r.calls).toMatchObject({ attempted: 15, ok: 15, rejected: 0, failed: 0 });
    expect(r.detach).toMatchObject({ attempted: 20, ok: 20, failed: 0 });
    for (const p of [r.lu!, r.calls!, r.detach!]) {
      expect(p.perSecond).toBeGreaterThan(0);
      expect(p.latencyMs!.p50).toBeLessThanOrEqual(p.latencyMs!.p90);
      expect(p.latencyMs!.p90).toBeLessThanOrEqual(p.latencyMs!.p99);
      expect(p.latencyMs!.p99).toBeLessThanOrEqual(p.latencyMs!.max);
    }
    expect(m.stats.lu).toBe(20);
    expect(m.stats.calls).toBe(15);
    expect(m.stats.detach).toBe(20);
    // LU: CR, TMSI REALLOC COMPLETE, CLEAR COMPLETE, RLC = 4 per LU; detach: CR, CLEAR COMPLETE, RLC = 3
    expect(r.messages.sent).toBeGreaterThan(20 * 4 + 20 * 3 + 15 * 10);
    expect(r.deadlineReached).toBe(false);
    expect(formatReport(r)).toMatch(/lu +20 ok \/ 20 \(0 rejected, 0 failed\) in [\d.]+ s: [\d.]+ LU\/s; latency ms p50/);
  });

  it('with authentication and ciphering; a Ki the network does not know counts as rejected, not failed', async () => {
    const m = await auto(4, true);
    const r = await runScenario({ ...BASE, msc: `127.0.0.1:${m.port}`, subscribers: 4, lu: true, calls: 2, concurrency: 2 });
    expect(r.lu).toMatchObject({ ok: 4, failed: 0 });
    expect(r.calls).toMatchObject({ ok: 2, failed: 0 });
    await m.close();
    const m2 = await auto(2, true);
    const wrong = await runScenario({ ...BASE, kiBase: '00'.repeat(16), msc: `127.0.0.1:${m2.port}`, subscribers: 2, lu: true });
    expect(wrong.lu).toMatchObject({ attempted: 2, ok: 0, rejected: 2, failed: 0 });
  });

  it('SMS between pairs: every MO accepted (RP-ACK) and delivered to the callee (paging, MT), counts and both latencies; long text goes concatenated', async () => {
    const m = await auto(6, false);
    const r = await runScenario({ ...BASE, msc: `127.0.0.1:${m.port}`, subscribers: 6, lu: true, sms: 9, concurrency: 3, durationMs: 30_000 });
    expect(r.sms).toMatchObject({ attempted: 9, ok: 9, rejected: 0, failed: 0, errors: {}, delivered: 9 });
    expect(r.sms!.latencyMs!.p50).toBeLessThanOrEqual(r.sms!.latencyMs!.max);
    expect(r.sms!.deliveryLatencyMs!.p50).toBeGreaterThan(0);
    expect(m.stats.smsMo).toBe(9);
    expect(m.stats.smsMt).toBe(9);
    expect(formatReport(r)).toMatch(/sms +9 ok \/ 9 \(0 rejected, 0 failed\) in [\d.]+ s: [\d.]+ SMS\/s; latency ms p50[^\n]*\n +delivered 9 \/ 9; delivery ms p50/);
    await m.close();
    const m2 = await auto(2, false);
    const long = await runScenario({ ...BASE, msc: `127.0.0.1:${m2.port}`, subscribers: 2, sms: 2, smsText: 'x'.repeat(400), durationMs: 20_000 });
    expect(long.sms).toMatchObject({ ok: 2, failed: 0, delivered: 2 });
    expect(m2.stats.smsMo).toBe(6); // 3 parts each
    expect(m2.stats.smsMt).toBe(6);
  });

  it('SMS to a number the MSC does not know: RP-ERROR counts as rejected, not failed', async () => {
    const m = await auto(2, false);
    // The MSC knows subscribers 2000, 2001; the scenario numbers them from 3000.
    const r = await runScenario({ ...BASE, msisdnBase: '3000', msc: `127.0.0.1:${m.port}`, subscribers: 2, sms: 2, durationMs: 20_000 });
    expect(r.sms).toMatchObject({ attempted: 2, ok: 0, rejected: 2, failed: 0, delivered: 0 });
    expect(m.stats.smsMoRejected).toBe(2);
  });

  it('stops starting operations at the deadline', async () => {
    const m = await auto(4, false);
    const t0 = Date.now();
    const r = await runScenario({ ...BASE, msc: `127.0.0.1:${m.port}`, subscribers: 4, calls: 100, holdMs: 50, concurrency: 1, durationMs: 300 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.deadlineReached).toBe(true);
    expect(r.calls!.attempted).toBeGreaterThan(1);
    expect(r.calls!.attempted).toBeLessThan(10);
    expect(r.calls!.failed).toBe(0);
  });

  it('fails with LinkDownError when no MSC answers (start timeout)', async () => {
    const err = await runScenario({ msc: '127.0.0.1:1', subscribers: 1, lu: true, startTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LinkDownError' });
  });
});

describe('bsc-sim command line', () => {
  const BIN = path.join(__dirname, '../bin/bsc-sim');
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
      p.on('exit', (code) => {
        clearTimeout(t);
        resolve({ code, out, err });
      });
    });

  it('runs a scenario in its own process and prints the report as JSON (exit 0)', async () => {
    const m = await auto(6, false);
    const r = await run(['--msc', `127.0.0.1:${m.port}`, '--subscribers', '6', '--imsi-base', BASE.imsiBase!, '--ki-base', BASE.kiBase!, '--msisdn-base', '2000', '--lu', '--calls', '3', '--sms', '3', '--detach', '--concurrency', '3', '--duration', '20', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.lu).toMatchObject({ ok: 6, failed: 0 });
    expect(rep.calls).toMatchObject({ ok: 3, failed: 0 });
    expect(rep.sms).toMatchObject({ ok: 3, failed: 0, delivered: 3 });
    expect(rep.detach).toMatchObject({ ok: 6, failed: 0 });
  });

  it('--trace prints every message to stderr; the text report goes to stdout', async () => {
    const m = await auto(1, false);
    const r = await run(['--msc', `127.0.0.1:${m.port}`, '--lu', '--msisdn-base', '2000', '--ki-base', BASE.kiBase!]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^bsc-sim: 1 subscriber\(s\) against 127\.0\.0\.1:\d+/);
    const t = await run(['--msc', `127.0.0.1:${m.port}`, '--lu', '--trace', '--ki-base', BASE.kiBase!]);
    expect(t.err).toContain('BSC -> MSC  SCCP CR  BSSMAP COMPLETE LAYER 3 INFORMATION  DTAP MM LOCATION UPDATING REQUEST');
  });

  it('refuses bad usage with exit code 2 and a reason: non-loopback MSC, unknown timer, nothing to do', async () => {
    expect(() => parseArgs(['--msc', '192.0.2.1:5000', '--lu'])).toThrow(/not a loopback address/);
    expect(() => parseArgs(['--lu', '--timer', 'T9=1'])).toThrow(/--timer: T9=1/);
    expect(() => parseArgs(['--subscribers', '3'])).toThrow(/nothing to do/);
    expect(parseArgs(['--sms', '4', '--sms-text', 'hi']).opts).toMatchObject({ sms: 4, smsText: 'hi' });
    expect(() => parseArgs(['--sms', '-1'])).toThrow(/--sms: -1/);
    expect(parseArgs(['--lu', '--timer=T3210=500', '--duration', '2']).opts).toMatchObject({ lu: true, durationMs: 2000, bsc: { timers: { T3210: 500 } } });
    const r = await run(['--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown argument --bogus/);
    const h = await run(['--timers']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^X_CCM/m);
    expect(h.out).toMatch(/^T3210 +20000 ms/m);
  });
});
