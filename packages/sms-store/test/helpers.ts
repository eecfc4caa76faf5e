import { VirtualClock } from '@snaptel/fsm';
import { SmsStore, type Destination, type SmsInput, type SmsReport, type SmsStoreOptions, type StoredMessage } from '../src';

export const MS = (msisdn: string): Destination => ({ kind: 'ms', msisdn });
export const ESME = (systemId: string): Destination => ({ kind: 'esme', systemId });

/** A 160-character GSM 7-bit text packs into 140 octets; tests use recognisable bytes instead. */
export function body(n: number, len = 140): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (n * 31 + i) & 0xff;
  return b;
}

export function msg(dest: Destination, n: number, extra: Partial<SmsInput> = {}): SmsInput {
  return {
    destination: dest,
    source: { ton: 1, npi: 1, address: '4917612345678' },
    origin: { kind: 'ms', imsi: '262019876543210', mr: n & 0xff },
    dcs: 0,
    pid: 0,
    udhi: false,
    udl: 160,
    ud: body(n),
    ...extra,
  };
}

export interface Rig {
  clock: VirtualClock;
  store: SmsStore;
  due: StoredMessage[][];
  reports: SmsReport[];
}

export function rig(opts: Partial<SmsStoreOptions> = {}, clock = new VirtualClock()): Rig {
  const due: StoredMessage[][] = [];
  const reports: SmsReport[] = [];
  const store = new SmsStore({ host: clock, onDue: (m) => due.push(m), onReport: (r) => reports.push(r), ...opts });
  return { clock, store, due, reports };
}
