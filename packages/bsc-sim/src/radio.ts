import type { CellIdentifierList, SpeechCodec } from '@snaptel/bssap';
import type { Classmark1, Classmark2 } from '@snaptel/gsm48';

/**
 * The radio side the BSC and the MS pretend to have, as tables: speech
 * codecs with their TS 48.008 codec type, permitted speech version and
 * channel, the ciphering the MS can do, and its classmarks.
 */

export type CodecName = 'FR1' | 'HR1' | 'FR2' | 'FR3' | 'HR3';

export interface CodecDef {
  /** Codec type of the Speech Codec Element (TS 48.008 §3.2.2.103, TS 26.103). */
  type: number;
  /** Permitted / chosen speech version (TS 48.008 §3.2.2.11 / §3.2.2.51). */
  speechVersion: number;
  /** Speech version of the bearer capability octet 3a (TS 24.008 §10.5.4.5). */
  bcVersion: number;
  /** Chosen channel (TS 48.008 §3.2.2.33): 8 = one full rate TCH, 9 = one half rate TCH. */
  channel: 8 | 9;
  /** S0-S15 offered in Codec List (BSS Supported) for AMR: S1 (4.75, 5.9, 7.4, 12.2 / HR without 12.2). */
  config?: number;
}

export const CODECS: Record<CodecName, CodecDef> = {
  FR1: { type: 0, speechVersion: 0x01, bcVersion: 0, channel: 8 },
  HR1: { type: 1, speechVersion: 0x05, bcVersion: 1, channel: 9 },
  FR2: { type: 2, speechVersion: 0x11, bcVersion: 2, channel: 8 },
  FR3: { type: 3, speechVersion: 0x21, bcVersion: 4, channel: 8, config: 0x0002 },
  HR3: { type: 4, speechVersion: 0x25, bcVersion: 5, channel: 9, config: 0x0002 },
};

const BY_TYPE = new Map(Object.entries(CODECS).map(([n, d]) => [d.type, n as CodecName]));
const BY_SPEECH_VERSION = new Map(Object.entries(CODECS).map(([n, d]) => [d.speechVersion, n as CodecName]));

export function codecByType(type: number): CodecName | undefined {
  return BY_TYPE.get(type);
}

export function codecBySpeechVersion(v: number): CodecName | undefined {
  return BY_SPEECH_VERSION.get(v);
}

/** Codec List (BSS Supported) for COMPLETE LAYER 3 INFORMATION: full IP (AoIP), in preference order. */
export function bssSupportedList(codecs: readonly CodecName[]): SpeechCodec[] {
  return codecs.map((n) => {
    const d = CODECS[n];
    const c: SpeechCodec = { fi: true, pi: false, pt: false, tf: false, type: d.type };
    if (d.config !== undefined) c.config = d.config;
    return c;
  });
}

export interface CodecChoice {
  name: CodecName;
  def: CodecDef;
  /** The Speech Codec (Chosen) element: one configuration only (the lowest S bit offered). */
  chosen: SpeechCodec;
}

/**
 * The codec an ASSIGNMENT REQUEST gets: the first one of the MSC's Speech
 * Codec List (its preference order) that the BSC supports, else (no list, as
 * without AoIP) the first permitted speech version of the Channel Type.
 */
export function chooseCodec(supported: readonly CodecName[], list: SpeechCodec[] | undefined, permitted: number[] | undefined): CodecChoice | undefined {
  const ok = new Set(supported);
  if (list && list.length) {
    for (const c of list) {
      const n = codecByType(c.type);
      if (!n || !ok.has(n)) continue;
      const chosen: SpeechCodec = { fi: true, pi: false, pt: false, tf: false, type: c.type };
      if (CODECS[n].config !== undefined) {
        const offered = c.config ?? CODECS[n].config!;
        chosen.config = offered ? offered & -offered : CODECS[n].config!;
      }
      return { name: n, def: CODECS[n], chosen };
    }
    return undefined;
  }
  for (const v of permitted ?? []) {
    const n = codecBySpeechVersion(v);
    if (!n || !ok.has(n)) continue;
    const chosen: SpeechCodec = { fi: false, pi: false, pt: false, tf: false, type: CODECS[n].type };
    if (CODECS[n].config !== undefined) chosen.config = CODECS[n].config!;
    return { name: n, def: CODECS[n], chosen };
  }
  return undefined;
}

/** A5 algorithms the simulated MS implements, in the order it prefers them when the MSC permits several. */
export const MS_A5_PREFERENCE = [1, 3, 0] as const;

/** The algorithm the BSC picks from the permitted ones: A5/1 if permitted, else the first permitted one the MS can do. */
export function chooseA5(permitted: readonly number[]): number | undefined {
  if (permitted.includes(1)) return 1;
  return permitted.find((a) => (MS_A5_PREFERENCE as readonly number[]).includes(a));
}

const CM1 = new Map<number, Classmark1>();
const CM2 = new Map<number, Classmark2>();

/** Classmark 1: R99 or later (N(SD) counts modulo 4), ES IND, A5/1 available, RF power class 4 (GSM 900). Shared: do not change it. */
export function classmark1(revision: number): Classmark1 {
  let c = CM1.get(revision);
  if (!c) CM1.set(revision, (c = Object.freeze({ revisionLevel: revision, esInd: true, a51NotAvailable: false, rfPowerCapability: 3 }) as Classmark1));
  return c;
}

/** Classmark 2: as classmark 1, SS screening phase 2, SMS capable, A5/3 yes, A5/2 no, CM service prompt. Shared: do not change it. */
export function classmark2(revision: number): Classmark2 {
  let c = CM2.get(revision);
  if (!c) CM2.set(revision, (c = Object.freeze(makeClassmark2(revision))));
  return c;
}

function makeClassmark2(revision: number): Classmark2 {
  return {
    ...classmark1(revision),
    psCapability: false,
    ssScreeningIndicator: 1,
    smCapability: true,
    vbs: false,
    vgcs: false,
    frequencyCapability: false,
    classmark3: false,
    lcsvaCapability: false,
    ucs2: false,
    solsa: false,
    cmsp: true,
    a53: true,
    a52: false,
  };
}

export interface CellOfMs {
  mcc: string;
  mnc: string;
  lac: number;
  ci: number;
}

/** Whether a PAGING's Cell Identifier List covers the MS's cell (a list we cannot read counts as covering). */
export function cellListCovers(list: CellIdentifierList | undefined, cell: CellOfMs): boolean {
  if (!list || 'raw' in list) return true;
  switch (list.discriminator) {
    case 'bss':
      return true;
    case 'no_cell':
      return false;
    case 'ci':
      return list.cells.some((c) => c.ci === cell.ci);
    case 'lac':
      return list.cells.some((c) => c.lac === cell.lac);
    case 'lac_ci':
      return list.cells.some((c) => c.lac === cell.lac && c.ci === cell.ci);
    case 'lai':
      return list.cells.some((c) => c.lac === cell.lac && c.mcc === cell.mcc && c.mnc === cell.mnc);
    case 'cgi':
      return list.cells.some((c) => c.lac === cell.lac && c.ci === cell.ci && c.mcc === cell.mcc && c.mnc === cell.mnc);
    default:
      return true;
  }
}

/** Luhn check digit of the 14 digits of an IMEI (TS 23.003 §6.2.1, annex B). */
export function luhnDigit(digits14: string): string {
  let sum = 0;
  for (let i = 0; i < digits14.length; i++) {
    let d = Number(digits14[digits14.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}
