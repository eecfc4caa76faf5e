import type { Bssap } from '@snaptel/bssap';
import type { Dtap, DtapMessage, MobileIdentity, UnknownDtap } from '@snaptel/gsm48';
import type { SccpMessage } from '@snaptel/sccp';

/**
 * Names and one-line descriptions of what goes over the link, for the trace
 * (golden logs in the MSC's tests) and for errors. Only values that the two
 * ends choose deterministically are shown (identities, types, causes, TIs,
 * numbers, codecs); RAND, SRES, Kc and RTP ports are left out.
 */

/** Upper-case name of a BSSAP message: `LOCATION UPDATING REQUEST`, `CLEAR COMMAND`. */
export function messageName(b: Bssap): string {
  if (b.discriminator === 'bssmap') return b.type === 'unknown' ? `BSSMAP 0x${b.raw.slice(0, 2)}` : b.type;
  return dtapName(b.dtap);
}

export function dtapName(d: Dtap): string {
  return d.type === 'unknown' ? `DTAP 0x${(d as UnknownDtap).raw.slice(0, 4)}` : d.type.toUpperCase();
}

const PD_LABEL: Record<string, string> = { mm: 'MM', cc: 'CC', rr: 'RR', sms: 'SMS', ss: 'SS' };

export function identity(mi: MobileIdentity | undefined): string {
  if (!mi) return '';
  switch (mi.type) {
    case 'imsi':
    case 'imei':
    case 'imeisv':
      return `${mi.type}=${mi.digits}`;
    case 'tmsi':
      return `tmsi=${hex32(mi.tmsi)}`;
    case 'none':
      return 'identity=none';
    default:
      return `identity=raw:${mi.hex}`;
  }
}

export function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

const CM_SERVICE: Record<number, string> = { 1: 'mo-call', 2: 'emergency', 4: 'sms', 8: 'ss' };
const ID_TYPE: Record<number, string> = { 1: 'imsi', 2: 'imei', 3: 'imeisv', 4: 'tmsi' };
const CODEC: Record<number, string> = { 0: 'FR1', 1: 'HR1', 2: 'FR2', 3: 'FR3', 4: 'HR3' };

export function codecName(type: number): string {
  return CODEC[type] ?? `codec${type}`;
}

function causeOf(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && 'value' in v) return String((v as { value: number }).value);
  if (v && typeof v === 'object' && 'raw' in v) return `raw:${(v as { raw: string }).raw}`;
  return '?';
}

/** `DTAP MM LOCATION UPDATING REQUEST type=imsi-attach imsi=001010000000001` */
export function describeDtap(d: Dtap): string {
  if (d.type === 'unknown') return `DTAP UNKNOWN ${(d as UnknownDtap).raw}`;
  const m = d as DtapMessage;
  const ies = m.ies as Record<string, any>;
  const p: string[] = [];
  // TI as osmo-msc logs it: the flag (1 = sent to the side that allocated the TI) in bit 4, the value in bits 1-3.
  const ti = m.ti !== undefined ? `ti=${((m.tiFlag ?? 0) << 3) | m.ti}` : '';
  switch (m.type) {
    case 'Location Updating Request':
      p.push(`type=${ies.locationUpdatingType?.type}`, identity(ies.mobileIdentity));
      break;
    case 'Location Updating Accept':
      if (ies.mobileIdentity) p.push(identity(ies.mobileIdentity));
      break;
    case 'Location Updating Reject':
    case 'CM Service Reject':
    case 'MM Status':
    case 'Authentication Failure':
      p.push(`cause=${ies.rejectCause}`);
      break;
    case 'CM Service Request':
      p.push(`type=${CM_SERVICE[ies.cmServiceType] ?? ies.cmServiceType}`, identity(ies.mobileIdentity));
      break;
    case 'IMSI Detach Indication':
    case 'Paging Response':
    case 'Identity Response':
    case 'TMSI Reallocation Command':
      p.push(identity(ies.mobileIdentity));
      break;
    case 'Identity Request':
      p.push(`type=${ID_TYPE[ies.identityType] ?? ies.identityType}`);
      break;
    case 'Authentication Request':
      p.push(`cksn=${ies.cksn}`);
      if (ies.autn) p.push('umts');
      break;
    case 'Authentication Response':
      if (ies.extendedRes) p.push('umts');
      break;
    case 'Setup':
      if (ies.calledPartyBcdNumber?.digits !== undefined) p.push(`called=${ies.calledPartyBcdNumber.digits}`);
      if (ies.callingPartyBcdNumber?.digits !== undefined) p.push(`calling=${ies.callingPartyBcdNumber.digits}`);
      break;
    case 'Disconnect':
    case 'Release':
    case 'Release Complete':
    case 'Status':
    case 'Call Confirmed':
      if (ies.cause) p.push(`cause=${causeOf(ies.cause)}`);
      break;
    case 'CP-DATA': {
      // RP type and RP-MR, the TPDU type, TP-MR, the number and the RP cause (no time stamps: golden-file friendly).
      const rp = ies.rpdu as { type: string; mr?: number; cause?: { value: number }; userData?: { type?: string; mr?: number; da?: { digits?: string }; oa?: { digits?: string } } } | undefined;
      if (!rp) break;
      p.push(rp.type);
      if (rp.mr !== undefined) p.push(`rp-mr=${rp.mr}`);
      if (rp.cause) p.push(`cause=${rp.cause.value}`);
      const t = rp.userData;
      if (t?.type) p.push(t.type);
      if (t?.mr !== undefined && t.type !== 'SMS-STATUS-REPORT') p.push(`tp-mr=${t.mr}`);
      if (t?.da?.digits !== undefined) p.push(`da=${t.da.digits}`);
      if (t?.oa?.digits !== undefined) p.push(`oa=${t.oa.digits}`);
      break;
    }
    case 'CP-ERROR':
      p.push(`cause=${ies.cpCause}`);
      break;
  }
  const pd = PD_LABEL[m.pd] ?? m.pd;
  return [`DTAP ${pd} ${m.type.toUpperCase()}`, ti, ...p].filter((s) => s).join(' ');
}

/** `BSSMAP CLEAR COMMAND cause=9`, `DTAP CC SETUP ti=0 called=1002`. */
export function describeBssap(b: Bssap): string {
  if (b.discriminator === 'dtap') return describeDtap(b.dtap);
  if (b.type === 'unknown') return `BSSMAP UNKNOWN ${b.raw}`;
  const ies = b.ies as Record<string, any>;
  const p: string[] = [`BSSMAP ${b.type}`];
  switch (b.type) {
    case 'COMPLETE LAYER 3 INFORMATION':
      return `${p.join(' ')}  ${describeDtap(ies.layer3Information)}`;
    case 'RESET':
    case 'CLEAR COMMAND':
    case 'CLEAR REQUEST':
    case 'ASSIGNMENT FAILURE':
    case 'CIPHER MODE REJECT':
      p.push(`cause=${causeOf(ies.cause)}`);
      break;
    case 'PAGING':
      p.push(identity(ies.imsi));
      if (ies.tmsi !== undefined) p.push(`tmsi=${hex32(ies.tmsi)}`);
      if (Array.isArray(ies.cellIdentifierList?.cells)) {
        const lacs = ies.cellIdentifierList.cells.map((c: { lac?: number }) => c.lac).filter((x: unknown) => x !== undefined);
        if (lacs.length) p.push(`lac=${lacs.join(',')}`);
      } else if (ies.cellIdentifierList?.discriminator) p.push(`cells=${ies.cellIdentifierList.discriminator}`);
      break;
    case 'CIPHER MODE COMMAND':
      if (Array.isArray(ies.encryptionInformation?.permitted)) p.push(`a5=${ies.encryptionInformation.permitted.join(',')}`);
      break;
    case 'CIPHER MODE COMPLETE':
      if (ies.chosenEncryptionAlgorithm && 'a5' in ies.chosenEncryptionAlgorithm) p.push(`a5=${ies.chosenEncryptionAlgorithm.a5}`);
      break;
    case 'ASSIGNMENT REQUEST':
      if (Array.isArray(ies.speechCodecList?.codecs)) p.push(`codecs=${ies.speechCodecList.codecs.map((c: { type: number }) => codecName(c.type)).join(',')}`);
      break;
    case 'ASSIGNMENT COMPLETE':
      if (ies.speechCodec && 'type' in ies.speechCodec) p.push(`codec=${codecName(ies.speechCodec.type)}`);
      break;
    case 'COMMON ID':
      p.push(identity(ies.imsi));
      break;
  }
  return p.join(' ');
}

/** `SCCP CR  BSSMAP COMPLETE LAYER 3 INFORMATION  DTAP MM ...`; SCCP messages without data show their causes. */
export function describeSccp(s: SccpMessage, b: Bssap | undefined): string {
  const head = `SCCP ${s.type === 'RAW' ? `0x${s.code.toString(16)}` : s.type}`;
  if (b) return `${head}  ${describeBssap(b)}`;
  switch (s.type) {
    case 'RLSD':
      return `${head} cause=${s.releaseCause}`;
    case 'CREF':
      return `${head} cause=${s.refusalCause}`;
    default:
      return head;
  }
}
