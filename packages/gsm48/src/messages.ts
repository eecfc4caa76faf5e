import type { IeSpec } from '@snaptel/codec';
import {
  bcdNumber,
  bearerCapability,
  cause,
  classmark1,
  classmark2,
  hex,
  keypad,
  lai,
  locationUpdatingType,
  mobileIdentity,
  progressIndicator,
  u8,
} from './ies';

/**
 * The DTAP messages, described once as data: protocol, message type, name,
 * direction (only where the two directions differ) and the IE list in the
 * order of the spec's message tables. Lengths are those of the values.
 */

export type Pd = 'cc' | 'mm' | 'rr' | 'sms' | 'ss';

/** Protocol discriminators, TS 24.007 §11.2.3.1.1. */
export const PDS: Record<Pd, number> = { cc: 3, mm: 5, rr: 6, sms: 9, ss: 11 };

export interface MessageDef {
  pd: Pd;
  type: number;
  name: string;
  /** Only for messages whose IEs differ by direction (CC Setup). */
  direction?: 'mo' | 'mt';
  ies: readonly IeSpec[];
}

// ---- IE shorthands ----
const M = 'M' as const, O = 'O' as const, C = 'C' as const;
const cksn: IeSpec = { name: 'cksn', format: 'V/2', presence: M };
const spareHalf: IeSpec = { name: 'spareHalfOctet', format: 'V/2', presence: M };
const laiV: IeSpec = { name: 'lai', format: 'V', min: 5, presence: M, codec: lai };
const miLV: IeSpec = { name: 'mobileIdentity', format: 'LV', min: 1, max: 10, presence: M, codec: mobileIdentity };
const rejectCause: IeSpec = { name: 'rejectCause', format: 'V', min: 1, presence: M, codec: u8 };
const t3246: IeSpec = { name: 't3246', iei: 0x36, format: 'TLV', min: 1, max: 1, presence: O };
const cm2LV: IeSpec = { name: 'classmark2', format: 'LV', min: 3, max: 3, presence: M, codec: classmark2 };
const priority: IeSpec = { name: 'priority', iei: 0x8, format: 'TV/2', presence: O };
const addUpdate: IeSpec = { name: 'additionalUpdateParameters', iei: 0xc, format: 'TV/2', presence: C };
const deviceProps: IeSpec = { name: 'deviceProperties', iei: 0xd, format: 'TV/2', presence: O };

const repeat = (name: string): IeSpec => ({ name, iei: 0xd, format: 'TV/2', presence: C });
const bc = (name: string, presence: 'M' | 'O' | 'C' = O): IeSpec => ({ name, iei: 0x04, format: 'TLV', min: 1, max: 14, presence, codec: bearerCapability });
const facility: IeSpec = { name: 'facility', iei: 0x1c, format: 'TLV', presence: O };
const progress: IeSpec = { name: 'progressIndicator', iei: 0x1e, format: 'TLV', min: 2, max: 2, presence: O, codec: progressIndicator };
const userUser: IeSpec = { name: 'userUser', iei: 0x7e, format: 'TLV', min: 1, max: 129, presence: O };
const ssVersion: IeSpec = { name: 'ssVersion', iei: 0x7f, format: 'TLV', presence: O };
const causeTLV = (name = 'cause'): IeSpec => ({ name, iei: 0x08, format: 'TLV', min: 2, max: 30, presence: O, codec: cause });
const causeLV: IeSpec = { name: 'cause', format: 'LV', min: 2, max: 30, presence: M, codec: cause };
const streamId: IeSpec = { name: 'streamIdentifier', iei: 0x2d, format: 'TLV', min: 1, max: 1, presence: O };
const codecs: IeSpec = { name: 'supportedCodecs', iei: 0x40, format: 'TLV', min: 3, presence: O };
const ccCaps: IeSpec = { name: 'ccCapabilities', iei: 0x15, format: 'TLV', min: 2, presence: O };
const calledBcd = (presence: 'M' | 'O'): IeSpec => ({ name: 'calledPartyBcdNumber', iei: 0x5e, format: 'TLV', min: 1, max: 41, presence, codec: bcdNumber });
const keypadTV: IeSpec = { name: 'keypadFacility', iei: 0x2c, format: 'TV', min: 1, presence: M, codec: keypad };

export const MESSAGES: readonly MessageDef[] = [
  // ---- MM, TS 24.008 §9.2 ----
  { pd: 'mm', type: 0x01, name: 'IMSI Detach Indication', ies: [{ name: 'classmark1', format: 'V', min: 1, presence: M, codec: classmark1 }, miLV] },
  { pd: 'mm', type: 0x02, name: 'Location Updating Accept', ies: [
    laiV,
    { ...miLV, iei: 0x17, format: 'TLV', presence: O },
    { name: 'followOnProceed', iei: 0xa1, format: 'T', presence: O },
    { name: 'ctsPermission', iei: 0xa2, format: 'T', presence: O },
    { name: 'equivalentPlmns', iei: 0x4a, format: 'TLV', min: 3, max: 45, presence: O },
    { name: 'emergencyNumberList', iei: 0x34, format: 'TLV', min: 3, max: 48, presence: O },
    { name: 'perMsT3212', iei: 0x35, format: 'TLV', min: 1, max: 1, presence: O },
  ] },
  { pd: 'mm', type: 0x04, name: 'Location Updating Reject', ies: [rejectCause, t3246] },
  { pd: 'mm', type: 0x08, name: 'Location Updating Request', ies: [
    { name: 'locationUpdatingType', format: 'V/2', presence: M, codec: locationUpdatingType },
    cksn,
    laiV,
    { name: 'classmark1', format: 'V', min: 1, presence: M, codec: classmark1 },
    miLV,
    { name: 'classmarkForUmts', iei: 0x33, format: 'TLV', min: 3, max: 3, presence: O, codec: classmark2 },
    addUpdate,
    deviceProps,
    { name: 'msNetworkFeatureSupport', iei: 0xe, format: 'TV/2', presence: O },
  ] },
  { pd: 'mm', type: 0x11, name: 'Authentication Reject', ies: [] },
  { pd: 'mm', type: 0x12, name: 'Authentication Request', ies: [
    cksn,
    spareHalf,
    { name: 'rand', format: 'V', min: 16, presence: M },
    { name: 'autn', iei: 0x20, format: 'TLV', min: 16, max: 16, presence: O },
  ] },
  { pd: 'mm', type: 0x14, name: 'Authentication Response', ies: [
    { name: 'sres', format: 'V', min: 4, presence: M },
    { name: 'extendedRes', iei: 0x21, format: 'TLV', min: 1, max: 12, presence: O },
  ] },
  { pd: 'mm', type: 0x1c, name: 'Authentication Failure', ies: [rejectCause, { name: 'failureParameter', iei: 0x22, format: 'TLV', min: 14, max: 14, presence: O }] },
  { pd: 'mm', type: 0x18, name: 'Identity Request', ies: [{ name: 'identityType', format: 'V/2', presence: M }, spareHalf] },
  { pd: 'mm', type: 0x19, name: 'Identity Response', ies: [
    miLV,
    { name: 'pTmsiType', iei: 0xe, format: 'TV/2', presence: O },
    { name: 'routingAreaIdentification', iei: 0x1b, format: 'TLV', min: 6, max: 6, presence: O },
    { name: 'pTmsiSignature', iei: 0x19, format: 'TLV', min: 3, max: 3, presence: O },
  ] },
  { pd: 'mm', type: 0x1a, name: 'TMSI Reallocation Command', ies: [laiV, miLV] },
  { pd: 'mm', type: 0x1b, name: 'TMSI Reallocation Complete', ies: [] },
  { pd: 'mm', type: 0x21, name: 'CM Service Accept', ies: [] },
  { pd: 'mm', type: 0x22, name: 'CM Service Reject', ies: [rejectCause, t3246] },
  { pd: 'mm', type: 0x23, name: 'CM Service Abort', ies: [] },
  { pd: 'mm', type: 0x24, name: 'CM Service Request', ies: [
    { name: 'cmServiceType', format: 'V/2', presence: M },
    cksn,
    cm2LV,
    miLV,
    priority,
    addUpdate,
    deviceProps,
  ] },
  { pd: 'mm', type: 0x31, name: 'MM Status', ies: [rejectCause] },
  { pd: 'mm', type: 0x32, name: 'MM Information', ies: [
    { name: 'fullName', iei: 0x43, format: 'TLV', min: 1, presence: O },
    { name: 'shortName', iei: 0x45, format: 'TLV', min: 1, presence: O },
    { name: 'localTimeZone', iei: 0x46, format: 'TV', min: 1, presence: O },
    { name: 'universalTimeAndLocalTimeZone', iei: 0x47, format: 'TV', min: 7, presence: O },
    { name: 'lsaIdentity', iei: 0x48, format: 'TLV', max: 3, presence: O },
    { name: 'networkDaylightSavingTime', iei: 0x49, format: 'TLV', min: 1, max: 1, presence: O },
  ] },

  // ---- RR, TS 44.018 §9.1.25 ----
  { pd: 'rr', type: 0x27, name: 'Paging Response', ies: [cksn, spareHalf, cm2LV, miLV, addUpdate] },

  // ---- CC, TS 24.008 §9.3 ----
  { pd: 'cc', type: 0x01, name: 'Alerting', ies: [facility, progress, userUser, ssVersion] },
  { pd: 'cc', type: 0x02, name: 'Call Proceeding', ies: [
    repeat('bcRepeatIndicator'), bc('bearerCapability1'), bc('bearerCapability2'), facility, progress, priority,
    { name: 'networkCcCapabilities', iei: 0x2f, format: 'TLV', min: 1, max: 1, presence: O },
  ] },
  { pd: 'cc', type: 0x03, name: 'Progress', ies: [{ name: 'progressIndicator', format: 'LV', min: 2, max: 2, presence: M, codec: progressIndicator }, userUser] },
  { pd: 'cc', type: 0x05, name: 'Setup', direction: 'mt', ies: [
    repeat('bcRepeatIndicator'), bc('bearerCapability1'), bc('bearerCapability2'), facility, progress,
    { name: 'signal', iei: 0x34, format: 'TV', min: 1, presence: O, codec: u8 },
    { name: 'callingPartyBcdNumber', iei: 0x5c, format: 'TLV', min: 1, max: 12, presence: O, codec: bcdNumber },
    { name: 'callingPartySubaddress', iei: 0x5d, format: 'TLV', max: 21, presence: O },
    calledBcd(O),
    { name: 'calledPartySubaddress', iei: 0x6d, format: 'TLV', max: 21, presence: O },
    { name: 'redirectingPartyBcdNumber', iei: 0x74, format: 'TLV', min: 1, max: 17, presence: O, codec: bcdNumber },
    { name: 'redirectingPartySubaddress', iei: 0x75, format: 'TLV', max: 21, presence: O },
    repeat('llcRepeatIndicator'),
    { name: 'lowLayerCompatibility1', iei: 0x7c, format: 'TLV', max: 16, presence: O },
    { name: 'lowLayerCompatibility2', iei: 0x7c, format: 'TLV', max: 16, presence: O },
    repeat('hlcRepeatIndicator'),
    { name: 'highLayerCompatibility1', iei: 0x7d, format: 'TLV', max: 3, presence: O },
    { name: 'highLayerCompatibility2', iei: 0x7d, format: 'TLV', max: 3, presence: O },
    userUser, priority,
    { name: 'alert', iei: 0x19, format: 'TLV', min: 1, max: 1, presence: O },
    { name: 'networkCcCapabilities', iei: 0x2f, format: 'TLV', min: 1, max: 1, presence: O },
    { name: 'causeOfNoCli', iei: 0x3a, format: 'TLV', min: 1, max: 1, presence: O },
    { name: 'backupBearerCapability', iei: 0x41, format: 'TLV', min: 1, max: 13, presence: O },
  ] },
  { pd: 'cc', type: 0x05, name: 'Setup', direction: 'mo', ies: [
    repeat('bcRepeatIndicator'), bc('bearerCapability1', M), bc('bearerCapability2'), facility,
    { name: 'callingPartySubaddress', iei: 0x5d, format: 'TLV', max: 21, presence: O },
    calledBcd(M),
    { name: 'calledPartySubaddress', iei: 0x6d, format: 'TLV', max: 21, presence: O },
    repeat('llcRepeatIndicator'),
    { name: 'lowLayerCompatibility1', iei: 0x7c, format: 'TLV', max: 16, presence: O },
    { name: 'lowLayerCompatibility2', iei: 0x7c, format: 'TLV', max: 16, presence: O },
    repeat('hlcRepeatIndicator'),
    { name: 'highLayerCompatibility1', iei: 0x7d, format: 'TLV', max: 3, presence: O },
    { name: 'highLayerCompatibility2', iei: 0x7d, format: 'TLV', max: 3, presence: O },
    userUser, ssVersion,
    { name: 'clirSuppression', iei: 0xa1, format: 'T', presence: C },
    { name: 'clirInvocation', iei: 0xa2, format: 'T', presence: C },
    ccCaps,
    { name: 'facilityCcbsAdvancedRecallAlignment', iei: 0x1d, format: 'TLV', presence: O },
    { name: 'facilityRecallAlignmentNotEssential', iei: 0x1b, format: 'TLV', presence: O },
    streamId, codecs,
    { name: 'redial', iei: 0xa3, format: 'T', presence: O },
  ] },
  { pd: 'cc', type: 0x07, name: 'Connect', ies: [
    facility, progress,
    { name: 'connectedNumber', iei: 0x4c, format: 'TLV', min: 1, max: 12, presence: O, codec: bcdNumber },
    { name: 'connectedSubaddress', iei: 0x4d, format: 'TLV', max: 21, presence: O },
    userUser, ssVersion, streamId,
  ] },
  { pd: 'cc', type: 0x08, name: 'Call Confirmed', ies: [repeat('bcRepeatIndicator'), bc('bearerCapability1'), bc('bearerCapability2'), causeTLV(), ccCaps, streamId, codecs] },
  { pd: 'cc', type: 0x0e, name: 'Emergency Setup', ies: [bc('bearerCapability'), streamId, codecs, { name: 'emergencyCategory', iei: 0x2e, format: 'TLV', min: 1, max: 1, presence: O }] },
  { pd: 'cc', type: 0x0f, name: 'Connect Acknowledge', ies: [] },
  { pd: 'cc', type: 0x25, name: 'Disconnect', ies: [causeLV, facility, progress, userUser, { name: 'allowedActions', iei: 0x7b, format: 'TLV', min: 1, max: 1, presence: O }, ssVersion] },
  { pd: 'cc', type: 0x2a, name: 'Release Complete', ies: [causeTLV(), facility, userUser, ssVersion] },
  { pd: 'cc', type: 0x2d, name: 'Release', ies: [causeTLV(), causeTLV('secondCause'), facility, userUser, ssVersion] },
  { pd: 'cc', type: 0x31, name: 'Stop DTMF', ies: [] },
  { pd: 'cc', type: 0x32, name: 'Stop DTMF Acknowledge', ies: [] },
  { pd: 'cc', type: 0x34, name: 'Status Enquiry', ies: [] },
  { pd: 'cc', type: 0x35, name: 'Start DTMF', ies: [keypadTV] },
  { pd: 'cc', type: 0x36, name: 'Start DTMF Acknowledge', ies: [keypadTV] },
  { pd: 'cc', type: 0x37, name: 'Start DTMF Reject', ies: [causeLV] },
  { pd: 'cc', type: 0x3d, name: 'Status', ies: [
    causeLV,
    { name: 'callState', format: 'V', min: 1, presence: M, codec: u8 },
    { name: 'auxiliaryStates', iei: 0x24, format: 'TLV', min: 1, max: 1, presence: O },
  ] },

  // ---- SMS CP, TS 24.011 §7.2 (the CP-User data codec is attached in dtap.ts) ----
  { pd: 'sms', type: 0x01, name: 'CP-DATA', ies: [{ name: 'rpdu', format: 'LV', min: 2, max: 249, presence: M }] },
  { pd: 'sms', type: 0x04, name: 'CP-ACK', ies: [] },
  { pd: 'sms', type: 0x10, name: 'CP-ERROR', ies: [{ name: 'cpCause', format: 'V', min: 1, presence: M, codec: u8 }] },

  // ---- SS, TS 24.080 §2 (the facility is kept as raw octets) ----
  { pd: 'ss', type: 0x2a, name: 'Release Complete', ies: [causeTLV(), facility] },
  { pd: 'ss', type: 0x3a, name: 'Facility', ies: [{ name: 'facility', format: 'LV', presence: M, codec: hex }] },
  { pd: 'ss', type: 0x3b, name: 'Register', ies: [{ ...facility, presence: M }, ssVersion] },
];
