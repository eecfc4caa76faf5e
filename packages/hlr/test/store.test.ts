import { describe, expect, it } from 'vitest';
import { HlrError, SubscriberStore, type HlrErrorCode } from '../src';

const KI = '000102030405060708090a0b0c0d0e0f';
const OPC = 'f0e0d0c0b0a090807060504030201000';

function hlrError(f: () => unknown): HlrError {
  try {
    f();
  } catch (e) {
    if (e instanceof HlrError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

function expectHlrError(f: () => unknown, code: HlrErrorCode, message: string | RegExp, field?: string): HlrError {
  const e = hlrError(f);
  expect(e.code).toBe(code);
  if (typeof message === 'string') expect(e.message).toBe(`hlr: ${message}`);
  else expect(e.message).toMatch(message);
  if (field !== undefined) expect(e.field).toBe(field);
  return e;
}

describe('digits: leading zeros and lengths survive', () => {
  it('keeps IMSIs that differ only in leading zeros apart', () => {
    const s = new SubscriberStore();
    const imsis = ['1', '01', '001', '0000000000000001', '001010000000001', '000000000000000', '999999999999999', '0'];
    const valid = imsis.filter((i) => i.length <= 15);
    valid.forEach((imsi, n) => s.add({ imsi, msisdn: '0'.repeat(n) + '7' }));
    expect(s.size).toBe(valid.length);
    valid.forEach((imsi, n) => {
      expect(s.get(imsi)).toMatchObject({ imsi, msisdn: '0'.repeat(n) + '7' });
      expect(s.byMsisdn('0'.repeat(n) + '7')?.imsi).toBe(imsi);
    });
    expect(s.get('0001')).toBeUndefined();
    expect(s.byMsisdn('7000')).toBeUndefined();
    expect(s.list().map((r) => r.imsi)).toEqual(valid);
  });

  it('round-trips the lab IMSI 001010000000001 and a 15-digit MSISDN with leading zeros', () => {
    const s = new SubscriberStore();
    s.add({ imsi: '001010000000001', msisdn: '000000000001234', ki: KI, algo: 'comp128v1' });
    const back = SubscriberStore.fromState(s.exportState());
    expect(back.get('001010000000001')).toEqual({
      imsi: '001010000000001',
      msisdn: '000000000001234',
      ki: KI,
      algo: 'comp128v1',
      sqn: 0,
      cs: true,
      ps: true,
    });
    expect(back.byMsisdn('000000000001234')?.imsi).toBe('001010000000001');
    expect(back.byMsisdn('1234')).toBeUndefined();
  });
});

describe('input validation names the field', () => {
  const s = new SubscriberStore();
  s.add({ imsi: '001010000000001', msisdn: '1001', ki: KI, algo: 'comp128v1' });

  it.each([
    [{ imsi: '12ab' }, "imsi '12ab' must be 1-15 digits", 'imsi'],
    [{ imsi: '' }, "imsi '' must be 1-15 digits", 'imsi'],
    [{ imsi: '1234567890123456' }, "imsi '1234567890123456' must be 1-15 digits", 'imsi'],
    [{ imsi: 1001 }, 'imsi 1001 must be 1-15 digits', 'imsi'],
    [{}, 'imsi undefined must be 1-15 digits', 'imsi'],
    [{ imsi: '1', msisdn: '+491' }, "msisdn '+491' must be 1-15 digits", 'msisdn'],
    [{ imsi: '1', ki: '00' }, 'ki must be 32 hex digits (got 2 characters)', 'ki'],
    [{ imsi: '1', ki: 'zz0102030405060708090a0b0c0d0e0f' }, 'ki must be 32 hex digits (got 32 characters, not all hex)', 'ki'],
    [{ imsi: '1', opc: 5 }, 'opc must be 32 hex digits (got 5)', 'opc'],
    [{ imsi: '1', algo: 'comp128v3' }, "algo 'comp128v3' must be one of 'none', 'comp128v1', 'xor', 'milenage'", 'algo'],
    [{ imsi: '1', algo: 'comp128v1' }, "algo 'comp128v1' needs ki (imsi '1')", 'algo'],
    [{ imsi: '1', algo: 'xor' }, "algo 'xor' needs ki (imsi '1')", 'algo'],
    [{ imsi: '1', algo: 'milenage', ki: KI }, "algo 'milenage' needs ki and opc (imsi '1')", 'algo'],
    [{ imsi: '1', sqn: -1 }, 'sqn -1 must be an integer 0 <= sqn < 2^48', 'sqn'],
    [{ imsi: '1', sqn: 2 ** 48 }, 'sqn 281474976710656 must be an integer 0 <= sqn < 2^48', 'sqn'],
    [{ imsi: '1', sqn: 1.5 }, 'sqn 1.5 must be an integer 0 <= sqn < 2^48', 'sqn'],
    [{ imsi: '1', cs: 'yes' }, "cs 'yes' must be true or false", 'cs'],
    [{ imsi: '1', msisnd: '1' }, "subscriber has an unknown field 'msisnd'", 'msisnd'],
  ])('add(%j) -> %s', (input, message, field) => {
    const before = s.exportState();
    expectHlrError(() => s.add(input as never), 'invalid-input', message, field);
    expect(s.exportState()).toEqual(before); // unchanged
  });

  it('refuses a non-object', () => {
    expectHlrError(() => s.add('001' as never), 'invalid-input', "subscriber must be an object (got '001')");
    expectHlrError(() => s.add(null as never), 'invalid-input', 'subscriber must be an object (got null)');
  });

  it('never echoes key material in a message', () => {
    const e = hlrError(() => s.add({ imsi: '2', ki: 'secretsecretsecretsecretsecretXX' }));
    expect(e.message).not.toContain('secret');
  });

  it('refuses duplicate IMSI and MSISDN, naming the owner', () => {
    expectHlrError(() => s.add({ imsi: '001010000000001' }), 'duplicate-imsi', "imsi '001010000000001' already exists", 'imsi');
    expectHlrError(
      () => s.add({ imsi: '001010000000002', msisdn: '1001' }),
      'duplicate-msisdn',
      "msisdn '1001' already belongs to imsi '001010000000001'",
      'msisdn',
    );
    expect(s.size).toBe(1);
    expect(s.get('001010000000002')).toBeUndefined();
  });

  it('validates lookup arguments', () => {
    expectHlrError(() => s.get('abc'), 'invalid-input', "imsi 'abc' must be 1-15 digits");
    expectHlrError(() => s.byMsisdn(''), 'invalid-input', "msisdn '' must be 1-15 digits");
    expectHlrError(() => s.remove(undefined as never), 'invalid-input', 'imsi undefined must be 1-15 digits');
    expectHlrError(() => s.list(-1), 'invalid-input', 'offset -1 must be an integer >= 0');
    expectHlrError(() => s.list(0, 1.5), 'invalid-input', 'limit 1.5 must be an integer >= 0');
  });
});

describe('update', () => {
  const fresh = () => {
    const s = new SubscriberStore();
    s.add({ imsi: '001', msisdn: '1001', ki: KI, algo: 'comp128v1' });
    s.add({ imsi: '002', msisdn: '1002' });
    return s;
  };

  it('changes fields, clears with null, lowercases keys', () => {
    const s = fresh();
    s.update('001', { msisdn: '2001', opc: OPC.toUpperCase(), algo: 'milenage', sqn: 42, cs: false });
    expect(s.get('001')).toEqual({ imsi: '001', msisdn: '2001', ki: KI, opc: OPC, algo: 'milenage', sqn: 42, cs: false, ps: true });
    expect(s.byMsisdn('1001')).toBeUndefined();
    expect(s.byMsisdn('2001')?.imsi).toBe('001');
    s.update('001', { msisdn: null, algo: 'none', ki: null, opc: null, ps: false });
    expect(s.get('001')).toEqual({ imsi: '001', algo: 'none', sqn: 42, cs: false, ps: false });
    expect(s.byMsisdn('2001')).toBeUndefined();
    expect(s.exportState().ki.slice(0, 16).every((b) => b === 0)).toBe(true); // no key left behind
  });

  it('is all or nothing', () => {
    const s = fresh();
    const before = s.exportState();
    expectHlrError(() => s.update('001', { msisdn: '1002' }), 'duplicate-msisdn', "msisdn '1002' already belongs to imsi '002'");
    expectHlrError(() => s.update('001', { msisdn: '3001', ki: null }), 'invalid-input', "algo 'comp128v1' needs ki (imsi '001')");
    expectHlrError(() => s.update('001', { msisdn: '3001', sqn: -5 }), 'invalid-input', 'sqn -5 must be an integer 0 <= sqn < 2^48');
    expectHlrError(() => s.update('001', { imsi: '003' }), 'invalid-input', /imsi cannot be changed/);
    expectHlrError(() => s.update('001', { msisnd: '1' } as never), 'invalid-input', "patch has an unknown field 'msisnd'");
    expect(s.exportState()).toEqual(before);
    expect(s.byMsisdn('3001')).toBeUndefined();
  });

  it('keeps its own MSISDN and accepts the unchanged imsi', () => {
    const s = fresh();
    s.update('001', { imsi: '001', msisdn: '1001', sqn: 7 });
    expect(s.byMsisdn('1001')).toMatchObject({ imsi: '001', sqn: 7 });
  });

  it('says not-found for an unknown IMSI', () => {
    expectHlrError(() => fresh().update('003', { sqn: 1 }), 'not-found', "imsi '003' is not provisioned", 'imsi');
  });
});

describe('remove, list, nextSqn', () => {
  it('moves the last record into the hole and keeps both indexes right', () => {
    const s = new SubscriberStore();
    for (const i of [1, 2, 3, 4]) s.add({ imsi: `00${i}`, msisdn: `100${i}`, sqn: i });
    expect(s.remove('002')).toBe(true);
    expect(s.remove('002')).toBe(false);
    expect(s.list().map((r) => r.imsi)).toEqual(['001', '004', '003']);
    expect(s.get('004')).toMatchObject({ msisdn: '1004', sqn: 4 });
    expect(s.byMsisdn('1004')?.imsi).toBe('004');
    expect(s.byMsisdn('1002')).toBeUndefined();
    expect(s.remove('003')).toBe(true); // the last one: nothing moves
    expect(s.list().map((r) => r.imsi)).toEqual(['001', '004']);
    s.add({ imsi: '002', msisdn: '1002' }); // the MSISDN is free again
    expect(s.byMsisdn('1002')?.imsi).toBe('002');
  });

  it('pages through list(offset, limit)', () => {
    const s = new SubscriberStore();
    for (let i = 0; i < 10; i++) s.add({ imsi: String(i) });
    expect(s.list(3, 2).map((r) => r.imsi)).toEqual(['3', '4']);
    expect(s.list(8).map((r) => r.imsi)).toEqual(['8', '9']);
    expect(s.list(20)).toEqual([]);
    expect(s.list(0, 0)).toEqual([]);
  });

  it('returns fresh objects that do not alias the store', () => {
    const s = new SubscriberStore();
    s.add({ imsi: '1', sqn: 5 });
    const r = s.get('1')!;
    r.sqn = 99;
    expect(s.get('1')!.sqn).toBe(5);
  });

  it('increments SQN and wraps at 2^48', () => {
    const s = new SubscriberStore();
    s.add({ imsi: '1', sqn: 2 ** 48 - 2 });
    expect(s.nextSqn('1')).toBe(2 ** 48 - 1);
    expect(s.nextSqn('1')).toBe(0);
    expect(s.nextSqn('1')).toBe(1);
    expect(s.get('1')!.sqn).toBe(1);
    expectHlrError(() => s.nextSqn('2'), 'not-found', "imsi '2' is not provisioned");
  });

  it('grows by doubling and reports its bytes', () => {
    const s = new SubscriberStore();
    expect(s.capacity).toBe(16);
    for (let i = 0; i < 17; i++) s.add({ imsi: String(i) });
    expect(s.capacity).toBe(32);
    for (let i = 17; i < 1000; i++) s.add({ imsi: String(i) });
    expect(s.capacity).toBe(1024);
    // 58 bytes of columns + two Int32 indexes of 2048 slots = 58 + 16 per slot
    expect(s.bytesPerSubscriber()).toBe(74);
    expect(s.allocatedBytes()).toBe(74 * 1024);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.capacity).toBe(16);
    expect(s.get('5')).toBeUndefined();
  });
});
