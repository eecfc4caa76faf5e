import * as v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HlrError, SubscriberStore, type HlrState } from '../src';

const KI = '000102030405060708090a0b0c0d0e0f';
const OPC = 'f0e0d0c0b0a090807060504030201000';

function sample(n = 50): SubscriberStore {
  const s = new SubscriberStore();
  for (let i = 0; i < n; i++)
    s.add({
      imsi: '00101' + String(i).padStart(10, '0'),
      msisdn: i % 3 === 1 ? undefined : '0' + String(1000 + i),
      ki: i % 2 ? KI : undefined,
      opc: i % 4 === 1 ? OPC : undefined,
      algo: i % 4 === 1 ? 'milenage' : i % 2 ? 'comp128v1' : 'none',
      sqn: i * 1000,
      cs: i % 5 !== 0,
      ps: i % 7 !== 0,
    });
  return s;
}

function stateError(state: unknown): HlrError {
  try {
    SubscriberStore.fromState(state);
  } catch (e) {
    if (e instanceof HlrError) return e;
    throw e;
  }
  throw new Error('state accepted');
}

describe('exportState / fromState / importState', () => {
  it('round-trips, also after deletions', () => {
    const s = sample();
    for (let i = 0; i < 50; i += 3) s.remove('00101' + String(i).padStart(10, '0'));
    const back = SubscriberStore.fromState(s.exportState());
    expect(back.size).toBe(s.size);
    expect(back.list()).toEqual(s.list());
    for (const r of s.list()) {
      expect(back.get(r.imsi)).toEqual(r);
      if (r.msisdn) expect(back.byMsisdn(r.msisdn)).toEqual(r);
    }
    expect(back.get('001010000000000')).toBeUndefined(); // removed
    expect(back.byMsisdn('01003')).toBeUndefined(); // removed (i = 3)
    // the imported store keeps working: growth and removal
    back.add({ imsi: '999', msisdn: '01003' });
    expect(back.remove('001010000000001')).toBe(true);
    expect(back.byMsisdn('01003')?.imsi).toBe('999');
  });

  it('exports only the used part, as fresh copies that later changes do not touch', () => {
    const s = sample(20);
    const state = s.exportState();
    expect(state).toMatchObject({ format: 'snaptel-hlr', version: 1, count: 20 });
    expect(state.imsi).toBeInstanceOf(Float64Array);
    expect([state.imsi.length, state.msisdn.length, state.algo.length, state.sqn.length, state.flags.length]).toEqual([20, 20, 20, 20, 20]);
    expect([state.ki.length, state.opc.length]).toEqual([320, 320]);
    const copy = structuredClone(state);
    s.update('001010000000001', { sqn: 123456, ki: OPC });
    s.remove('001010000000000');
    for (let i = 0; i < 100; i++) s.add({ imsi: String(i) }); // growth reallocates too
    expect(state).toEqual(copy);
  });

  it('imports a state that went through v8.serialize / v8.deserialize', () => {
    const s = sample();
    s.remove('001010000000007');
    const bytes = v8.serialize(s.exportState());
    const state = v8.deserialize(bytes) as HlrState;
    expect(state.ki).toBeInstanceOf(Uint8Array);
    const back = SubscriberStore.fromState(state);
    expect(back.list()).toEqual(s.list());
    // and into an existing store, replacing its content
    const other = new SubscriberStore();
    other.add({ imsi: '123', msisdn: '456' });
    other.importState(v8.deserialize(bytes));
    expect(other.get('123')).toBeUndefined();
    expect(other.byMsisdn('456')).toBeUndefined();
    expect(other.list()).toEqual(s.list());
  });

  it('round-trips an empty store', () => {
    const back = SubscriberStore.fromState(new SubscriberStore().exportState());
    expect(back.size).toBe(0);
    back.add({ imsi: '1' });
    expect(back.get('1')?.imsi).toBe('1');
  });

  it('sizes an imported store to its count', () => {
    const s = sample(1000);
    expect(s.capacity).toBe(1024);
    expect(SubscriberStore.fromState(s.exportState()).capacity).toBe(1000);
  });
});

describe('corrupt states are refused with HlrError invalid-state', () => {
  const good = () => sample(10).exportState();
  const with_ = (patch: Record<string, unknown>) => ({ ...good(), ...patch });

  it.each<[string, () => unknown, RegExp, string, number?]>([
    ['not an object', () => 'snaptel-hlr', /state must be an object with format 'snaptel-hlr' \(got 'snaptel-hlr'\)/, 'state'],
    ['null', () => null, /state must be an object/, 'state'],
    ['wrong format', () => with_({ format: 'osmo-hlr' }), /state.format must be 'snaptel-hlr' \(got 'osmo-hlr'\)/, 'state.format'],
    ['missing format', () => with_({ format: undefined }), /state.format must be 'snaptel-hlr' \(got undefined\)/, 'state.format'],
    ['newer version', () => with_({ version: 2 }), /state.version 2 is not supported \(this hlr reads version 1\)/, 'state.version'],
    ['bad count', () => with_({ count: -1 }), /state.count -1 must be an integer/, 'state.count'],
    ['truncated imsi', () => with_({ imsi: good().imsi.slice(0, 9) }), /state.imsi has 9 elements, expected count = 10 \(count 10\)/, 'state.imsi'],
    ['truncated ki', () => with_({ ki: good().ki.slice(0, 150) }), /state.ki has 150 elements, expected 16 \* count = 160/, 'state.ki'],
    ['count beyond the arrays', () => with_({ count: 11 }), /state.imsi has 10 elements, expected count = 11/, 'state.imsi'],
    ['wrong array type', () => with_({ sqn: Array.from(good().sqn) }), /state.sqn must be a Float64Array \(got an array\)/, 'state.sqn'],
    ['wrong typed array type', () => with_({ flags: new Int8Array(10) }), /state.flags must be a Uint8Array/, 'state.flags'],
    ['missing column', () => with_({ opc: undefined }), /state.opc must be a Uint8Array \(got undefined\)/, 'state.opc'],
  ])('%s', (_what, make, message, field) => {
    const e = stateError(make());
    expect(e.code).toBe('invalid-state');
    expect(e.message).toMatch(message);
    expect(e.field).toBe(field);
  });

  const corrupt = (f: (s: HlrState) => void): HlrState => {
    const s = good();
    f(s);
    return s;
  };

  it.each<[string, (s: HlrState) => void, string, string, number]>([
    ['duplicate IMSI', (s) => (s.imsi[7] = s.imsi[2]!), "state.imsi[7] (subscriber 7): duplicate of subscriber 2 (imsi '001010000000002')", 'state.imsi', 7],
    ['duplicate MSISDN', (s) => (s.msisdn[8] = s.msisdn[2]!), "state.msisdn[8] (subscriber 8): duplicate of subscriber 2 (msisdn '01002')", 'state.msisdn', 8],
    ['IMSI without the leading 1', (s) => (s.imsi[3] = 2001), 'state.imsi[3] (subscriber 3): 2001 does not encode an IMSI of 1-15 digits', 'state.imsi', 3],
    ['IMSI of 16 digits', (s) => (s.imsi[3] = 10 ** 16), 'state.imsi[3] (subscriber 3): 10000000000000000 does not encode an IMSI of 1-15 digits', 'state.imsi', 3],
    ['IMSI of no digits', (s) => (s.imsi[0] = 1), 'state.imsi[0] (subscriber 0): 1 does not encode an IMSI of 1-15 digits', 'state.imsi', 0],
    ['IMSI NaN', (s) => (s.imsi[4] = NaN), 'state.imsi[4] (subscriber 4): NaN does not encode an IMSI of 1-15 digits', 'state.imsi', 4],
    ['fractional MSISDN', (s) => (s.msisdn[5] = 1001.5), 'state.msisdn[5] (subscriber 5): 1001.5 does not encode an MSISDN of 1-15 digits (0 = none)', 'state.msisdn', 5],
    ['algo code', (s) => (s.algo[6] = 4), 'state.algo[6] (subscriber 6): 4 is not an algorithm code 0..3', 'state.algo', 6],
    ['flags', (s) => (s.flags[2] = 0x13), 'state.flags[2] (subscriber 2): 19 has bits other than 15', 'state.flags', 2],
    ['sqn too big', (s) => (s.sqn[9] = 2 ** 48), 'state.sqn[9] (subscriber 9): 281474976710656 is not an integer 0 <= sqn < 2^48', 'state.sqn', 9],
    ['negative sqn', (s) => (s.sqn[1] = -1), 'state.sqn[1] (subscriber 1): -1 is not an integer 0 <= sqn < 2^48', 'state.sqn', 1],
    ['ki bytes without the flag', (s) => (s.ki[16 * 4 + 3] = 1), 'state.ki[4] (subscriber 4): bytes set but flags say no ki', 'state.ki', 4],
    ['algo without its ki', (s) => (s.ki.fill(0, 48, 64), (s.flags[3] &= ~4)), "state.algo[3] (subscriber 3): algo 'comp128v1' needs ki", 'state.algo', 3],
  ])('%s', (_what, f, message, field, index) => {
    const e = stateError(corrupt(f));
    expect(e.code).toBe('invalid-state');
    expect(e.message).toBe(`hlr: ${message}`);
    expect(e.field).toBe(field);
    expect(e.index).toBe(index);
  });

  it('importState leaves the store unchanged when the state is bad', () => {
    const s = sample(10);
    const before = s.exportState();
    const bad = corrupt((st) => (st.imsi[9] = st.imsi[0]!));
    expect(() => s.importState(bad)).toThrow(HlrError);
    expect(s.exportState()).toEqual(before);
    expect(s.get('001010000000009')).toBeDefined();
  });
});
