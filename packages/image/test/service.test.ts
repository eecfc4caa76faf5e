import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration, parseRunOptions } from '../src/daemon';
import { ServiceError } from '../src/errors';
import { cleanStaleWork } from '../src/live';
import { decodeState, encodeState, type StateFile } from '../src/state';
import { scopeName } from '../src/control';

function state(packages: StateFile['packages']): StateFile {
  return { format: 'snaptel-state', version: 1, takenAt: '2026-11-24T00:00:00.000Z', from: { buildId: 'b1', generation: 3 }, exportMs: 0.5, packages };
}

function refusal(f: () => unknown): ServiceError {
  try {
    f();
  } catch (e) {
    if (e instanceof ServiceError && e.code === 'bad-state') return e;
    throw new Error(`threw something else: ${String(e)}`);
  }
  throw new Error('accepted');
}

describe('state file', () => {
  it('round-trips typed arrays, Maps, Dates and nested values, package by package', async () => {
    const s = state({
      hlr: { version: '0.1.0', state: { imsi: new Float64Array([1001010000000001, 1001010000000002]), ki: new Uint8Array(32).fill(7), count: 2 } },
      demo: { version: '0.1.0', state: { seen: new Map([['a', new Date(5)]]), list: [1, 'two', null] } },
    });
    const { bytes, perPackage } = await encodeState(s);
    expect(bytes.subarray(0, 16).toString('latin1')).toBe('SNAPTEL-STATE 1 ');
    expect(perPackage.hlr).toBe(v8.serialize(s.packages.hlr!.state).length);
    const back = decodeState(bytes, 'x.state');
    expect(back.from).toEqual({ buildId: 'b1', generation: 3 });
    expect(back.packages.hlr!.state).toEqual(s.packages.hlr!.state);
    expect((back.packages.hlr!.state as { imsi: unknown }).imsi).toBeInstanceOf(Float64Array);
    expect(back.packages.demo!.state).toEqual(s.packages.demo!.state);
  });

  it('refuses every truncation, with a message naming the file', async () => {
    const { bytes } = await encodeState(state({ p: { version: '1', state: { n: [1, 2, 3], s: 'x'.repeat(100) } } }));
    for (let n = 0; n < bytes.length; n++) {
      const e = refusal(() => decodeState(bytes.subarray(0, n), 'torn.state'));
      expect(e.message.startsWith('torn.state: ')).toBe(true);
    }
  });

  it('refuses a flipped byte anywhere, and foreign files', async () => {
    const { bytes } = await encodeState(state({ p: { version: '1', state: { n: 42 } } }));
    const nl = bytes.indexOf(0x0a);
    for (let i = nl + 1; i < bytes.length; i++) {
      const b = Buffer.from(bytes);
      b[i]! ^= 0x20;
      expect(refusal(() => decodeState(b, 's')).message).toMatch(/checksum mismatch|truncated/);
    }
    expect(refusal(() => decodeState(Buffer.from('GIF89a...'), 'f')).message).toBe('f: not a snaptel state file');
    expect(refusal(() => decodeState(Buffer.from('SNAPTEL-STATE 2 0 x\n'), 'f')).message).toMatch(/state format 2 is not supported/);
    // Right checksum, wrong content.
    const payload = v8.serialize({ format: 'other' });
    const sum = crypto.createHash('sha256').update(payload).digest('hex');
    const foreign = Buffer.concat([Buffer.from(`SNAPTEL-STATE 1 ${payload.length} ${sum}\n`), payload]);
    expect(refusal(() => decodeState(foreign, 'f')).message).toBe('f: payload is not a snaptel state');
  });

  it('property: random bytes are refused with a ServiceError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (raw, withHeader) => {
        const buf = withHeader ? Buffer.concat([Buffer.from(`SNAPTEL-STATE 1 ${raw.length} ${'0'.repeat(64)}\n`), raw]) : Buffer.from(raw);
        refusal(() => decodeState(buf, 'r'));
      }),
    );
  });
});

describe('run options', () => {
  it('takes snaptel options first, then leaves the rest to the packages', () => {
    const o = parseRunOptions(['--daemon', '--pidfile', 'a.pid', '--control=c.sock', '--log', '/var/log/x.log', '--allow-eval', '--checkpoint-every', '5m', '--', '--daemon', 'x'], '/srv');
    expect(o).toEqual({
      daemon: true,
      pidfile: '/srv/a.pid',
      control: '/srv/c.sock',
      log: '/var/log/x.log',
      allowEval: true,
      checkpointEveryMs: 300_000,
      checkpointOnStop: true,
      rest: ['--daemon', 'x'],
    });
    expect(parseRunOptions(['--verbose', '--daemon']).rest).toEqual(['--verbose', '--daemon']);
    expect(parseRunOptions(['--checkpoint-on-stop']).checkpointOnStop).toBe(true);
    expect(() => parseRunOptions(['--pidfile'])).toThrow(/--pidfile needs a value/);
  });

  it('reads durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2000')).toBe(2000);
    expect(parseDuration('1d')).toBe(86_400_000);
    for (const bad of ['', 'soon', '5 m', '-1s', '10ms', '30d'])
      expect(() => parseDuration(bad), bad).toThrow(ServiceError);
  });

  it('names packages in eval scope as identifiers', () => {
    expect(scopeName('bsc-sim')).toBe('bscSim');
    expect(scopeName('hlr')).toBe('hlr');
    expect(scopeName('a-b-c2')).toBe('aBC2');
  });
});

describe('work folders of interrupted snapshots', () => {
  it('are removed when their process is dead, kept while it lives, and the image is never touched', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-work-'));
    const img = path.join(dir, 'x.img');
    fs.writeFileSync(img, 'image');
    // A pid that is certainly not running: above the kernel's pid_max.
    const deadPid = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
    fs.mkdirSync(path.join(dir, `.x.img.snapshot-${deadPid}`));
    fs.writeFileSync(path.join(dir, `.x.img.snapshot-${deadPid}`, 'image.tmp'), 'half');
    fs.mkdirSync(path.join(dir, `.x.img.snapshot-${process.ppid}`));
    fs.mkdirSync(path.join(dir, `.y.img.snapshot-${deadPid}`));
    expect(cleanStaleWork(img)).toEqual([`.x.img.snapshot-${deadPid}`]);
    expect(fs.readdirSync(dir).sort()).toEqual([`.x.img.snapshot-${process.ppid}`, `.y.img.snapshot-${deadPid}`, 'x.img']);
    expect(fs.readFileSync(img, 'utf8')).toBe('image');
  });
});
