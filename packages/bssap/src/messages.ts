import { compileMessage, type CompiledMessage, type IeSpec, type Presence, type ValueCodec } from '@snaptel/codec';
import * as v from './ies';

/**
 * The BSSMAP IEs of TS 48.008 §3.2.2.1 (table 3.2.2.1), as data: IEI, JSON
 * name, format (TV with its fixed value length, TLV, or T), and the value
 * codec (hex when none is given). Formats follow the IE definitions of
 * §3.2.2; unknown IEIs below 0x80 are TLV by the IE engine's rule.
 */
export interface BssmapIe {
  iei: number;
  name: string;
  format: 'T' | 'TV' | 'TLV';
  /** Value length for TV; bounds for TLV. */
  min?: number;
  max?: number;
  codec?: ValueCodec<any>;
}

const pd = v.bits<{ pci: boolean; level: number; qa: boolean; pvi: boolean }>({ pci: [6, 1], level: [2, 4], qa: [1, 1], pvi: [0, 1] });

export const IES: readonly BssmapIe[] = [
  { iei: 0x01, name: 'circuitIdentityCode', format: 'TV', min: 2, codec: v.u16 },
  { iei: 0x03, name: 'resourceAvailable', format: 'TV', min: 20 },
  { iei: 0x04, name: 'cause', format: 'TLV', min: 1, max: 2, codec: v.cause },
  { iei: 0x05, name: 'cellIdentifier', format: 'TLV', min: 1, codec: v.cellIdentifier },
  { iei: 0x06, name: 'priority', format: 'TLV', min: 1, max: 1, codec: pd },
  { iei: 0x07, name: 'layer3HeaderInformation', format: 'TLV', codec: v.layer3HeaderInformation },
  { iei: 0x08, name: 'imsi', format: 'TLV', min: 1, max: 8, codec: v.imsi },
  { iei: 0x09, name: 'tmsi', format: 'TLV', min: 4, max: 4, codec: v.u32 },
  { iei: 0x0a, name: 'encryptionInformation', format: 'TLV', min: 1, codec: v.encryptionInformation },
  { iei: 0x0b, name: 'channelType', format: 'TLV', min: 2, max: 10, codec: v.channelType },
  { iei: 0x0c, name: 'periodicity', format: 'TV', min: 1 },
  { iei: 0x0d, name: 'extendedResourceIndicator', format: 'TV', min: 1 },
  { iei: 0x0e, name: 'numberOfMss', format: 'TV', min: 1 },
  { iei: 0x12, name: 'classmarkInformationType2', format: 'TLV', codec: v.classmarkType2 },
  { iei: 0x13, name: 'classmarkInformationType3', format: 'TLV' },
  { iei: 0x14, name: 'interferenceBandToBeUsed', format: 'TV', min: 1, codec: v.bits<{ bands: number }>({ bands: [0, 5] }) },
  { iei: 0x15, name: 'rrCause', format: 'TV', min: 1, codec: v.u8 },
  { iei: 0x17, name: 'layer3Information', format: 'TLV', min: 1, codec: v.layer3Information },
  { iei: 0x18, name: 'dlci', format: 'TV', min: 1, codec: v.u8 },
  { iei: 0x19, name: 'downlinkDtxFlag', format: 'TV', min: 1, codec: v.bits<{ dtxDisabled: boolean }>({ dtxDisabled: [0, 1] }) },
  { iei: 0x1a, name: 'cellIdentifierList', format: 'TLV', min: 1, codec: v.cellIdentifierList },
  { iei: 0x1b, name: 'responseRequest', format: 'T' },
  { iei: 0x1c, name: 'resourceIndicationMethod', format: 'TV', min: 1 },
  { iei: 0x1d, name: 'classmarkInformationType1', format: 'TV', min: 1 },
  { iei: 0x1e, name: 'circuitIdentityCodeList', format: 'TLV' },
  { iei: 0x1f, name: 'diagnostics', format: 'TLV' },
  { iei: 0x20, name: 'layer3MessageContents', format: 'TLV' },
  { iei: 0x21, name: 'chosenChannel', format: 'TV', min: 1, codec: v.bits<{ mode: number; channel: number }>({ mode: [4, 4], channel: [0, 4] }) },
  { iei: 0x22, name: 'totalResourceAccessible', format: 'TV', min: 4 },
  { iei: 0x23, name: 'cipherResponseMode', format: 'TV', min: 1, codec: v.u8 },
  { iei: 0x24, name: 'channelNeeded', format: 'TV', min: 1, codec: v.bits<{ channel: number }>({ channel: [0, 2] }) },
  { iei: 0x25, name: 'traceType', format: 'TV', min: 1 },
  { iei: 0x26, name: 'triggerId', format: 'TLV' },
  { iei: 0x27, name: 'traceReference', format: 'TV', min: 2 },
  { iei: 0x28, name: 'transactionId', format: 'TLV' },
  { iei: 0x29, name: 'mobileIdentity', format: 'TLV' },
  { iei: 0x2a, name: 'omcId', format: 'TLV' },
  { iei: 0x2b, name: 'forwardIndicator', format: 'TV', min: 1 },
  { iei: 0x2c, name: 'chosenEncryptionAlgorithm', format: 'TV', min: 1, codec: v.chosenEncryptionAlgorithm },
  { iei: 0x2d, name: 'circuitPool', format: 'TV', min: 1, codec: v.u8 },
  { iei: 0x2e, name: 'circuitPoolList', format: 'TLV' },
  { iei: 0x2f, name: 'timeIndication', format: 'TLV' },
  { iei: 0x30, name: 'resourceSituation', format: 'TLV' },
  { iei: 0x31, name: 'currentChannelType1', format: 'TV', min: 1 },
  { iei: 0x32, name: 'queueingIndicator', format: 'TV', min: 1 },
  { iei: 0x33, name: 'assignmentRequirement', format: 'TV', min: 1 },
  { iei: 0x35, name: 'talkerFlag', format: 'T' },
  { iei: 0x36, name: 'connectionReleaseRequested', format: 'T' },
  { iei: 0x37, name: 'groupCallReference', format: 'TLV' },
  { iei: 0x38, name: 'emlppPriority', format: 'TV', min: 1, codec: v.bits<{ priority: number }>({ priority: [0, 3] }) },
  { iei: 0x39, name: 'configurationEvolutionIndication', format: 'TV', min: 1 },
  { iei: 0x3a, name: 'oldBssToNewBssInformation', format: 'TLV' },
  { iei: 0x3b, name: 'lsaIdentifier', format: 'TV', min: 3 },
  { iei: 0x3c, name: 'lsaIdentifierList', format: 'TLV' },
  { iei: 0x3d, name: 'lsaInformation', format: 'TLV' },
  { iei: 0x3e, name: 'lcsQos', format: 'TLV' },
  { iei: 0x3f, name: 'lsaAccessControlSuppression', format: 'TV', min: 1 },
  { iei: 0x40, name: 'speechVersion', format: 'TV', min: 1, codec: v.u8 },
  { iei: 0x43, name: 'lcsPriority', format: 'TLV' },
  { iei: 0x44, name: 'locationType', format: 'TLV' },
  { iei: 0x45, name: 'locationEstimate', format: 'TLV' },
  { iei: 0x46, name: 'positioningData', format: 'TLV' },
  { iei: 0x47, name: 'lcsCause', format: 'TLV' },
  { iei: 0x48, name: 'lcsClientType', format: 'TLV' },
  { iei: 0x4a, name: 'networkElementIdentity', format: 'TLV' },
  { iei: 0x4b, name: 'gpsAssistanceData', format: 'TLV' },
  { iei: 0x4c, name: 'decipheringKeys', format: 'TLV' },
  { iei: 0x4d, name: 'returnErrorRequest', format: 'TLV' },
  { iei: 0x4e, name: 'returnErrorCause', format: 'TLV' },
  { iei: 0x4f, name: 'segmentation', format: 'TLV' },
  { iei: 0x50, name: 'serviceHandover', format: 'TLV' },
  { iei: 0x51, name: 'sourceToTargetTransparentUmts', format: 'TLV' },
  { iei: 0x52, name: 'sourceToTargetTransparentCdma2000', format: 'TLV' },
  { iei: 0x53, name: 'geranClassmark', format: 'TLV' },
  { iei: 0x54, name: 'geranBscContainer', format: 'TLV' },
  { iei: 0x55, name: 'velocityEstimate', format: 'TLV' },
  { iei: 0x61, name: 'newBssToOldBssInformation', format: 'TLV' },
  { iei: 0x63, name: 'interSystemInformation', format: 'TLV' },
  { iei: 0x64, name: 'snaAccessInformation', format: 'TLV' },
  { iei: 0x65, name: 'vstkRandInformation', format: 'TLV' },
  { iei: 0x66, name: 'vstkInformation', format: 'TLV' },
  { iei: 0x67, name: 'pagingInformation', format: 'TV', min: 1 },
  { iei: 0x68, name: 'imei', format: 'TLV' },
  { iei: 0x69, name: 'vgcsFeatureFlags', format: 'TLV' },
  { iei: 0x6a, name: 'talkerPriority', format: 'TV', min: 1 },
  { iei: 0x6b, name: 'emergencySetIndication', format: 'T' },
  { iei: 0x6c, name: 'talkerIdentity', format: 'TLV' },
  { iei: 0x6d, name: 'cellIdentifierListSegment', format: 'TLV' },
  { iei: 0x6e, name: 'smsToVgcs', format: 'TLV' },
  { iei: 0x6f, name: 'vgcsTalkerMode', format: 'TLV' },
  { iei: 0x70, name: 'vgcsVbsCellStatus', format: 'TLV' },
  { iei: 0x71, name: 'ganssAssistanceData', format: 'TLV' },
  { iei: 0x72, name: 'ganssPositioningData', format: 'TLV' },
  { iei: 0x73, name: 'ganssLocationType', format: 'TLV' },
  { iei: 0x74, name: 'applicationData', format: 'TLV' },
  { iei: 0x75, name: 'dataIdentity', format: 'TV', min: 1 },
  { iei: 0x76, name: 'applicationDataInformation', format: 'TLV' },
  { iei: 0x77, name: 'msisdn', format: 'TLV' },
  { iei: 0x7c, name: 'aoipTransportLayerAddress', format: 'TLV', min: 6, max: 18, codec: v.aoipTransportLayerAddress },
  { iei: 0x7d, name: 'speechCodecList', format: 'TLV', min: 1, codec: v.speechCodecList },
  { iei: 0x7e, name: 'speechCodec', format: 'TLV', min: 1, codec: v.speechCodec },
  { iei: 0x7f, name: 'callIdentifier', format: 'TV', min: 4, codec: v.u32le },
  { iei: 0x80, name: 'callIdentifierList', format: 'TLV' },
  { iei: 0x81, name: 'aInterfaceSelectorForReset', format: 'TV', min: 1 },
  { iei: 0x83, name: 'kc128', format: 'TV', min: 16 },
  { iei: 0x84, name: 'csgIdentifier', format: 'TLV' },
  { iei: 0x85, name: 'redirectAttemptFlag', format: 'T' },
  { iei: 0x86, name: 'rerouteRejectCause', format: 'TV', min: 1 },
  { iei: 0x87, name: 'sendSequenceNumber', format: 'TV', min: 1 },
  { iei: 0x88, name: 'rerouteCompleteOutcome', format: 'TV', min: 1 },
  { iei: 0x89, name: 'globalCallReference', format: 'TLV' },
  { iei: 0x8a, name: 'lclsConfiguration', format: 'TV', min: 1 },
  { iei: 0x8b, name: 'lclsConnectionStatusControl', format: 'TV', min: 1 },
  { iei: 0x8c, name: 'lclsCorrelationNotNeeded', format: 'T' },
  { iei: 0x8d, name: 'lclsBssStatus', format: 'TV', min: 1 },
  { iei: 0x8e, name: 'lclsBreakRequest', format: 'T' },
  { iei: 0x8f, name: 'csfbIndication', format: 'T' },
  { iei: 0x90, name: 'csToPsSrvcc', format: 'T' },
  { iei: 0x91, name: 'sourceEnbToTargetEnbTransparentInformation', format: 'TLV' },
  { iei: 0x92, name: 'csToPsSrvccIndication', format: 'T' },
  { iei: 0x93, name: 'cnToMsTransparentInformation', format: 'TLV' },
  { iei: 0x94, name: 'selectedPlmnId', format: 'TV', min: 3 },
  { iei: 0x95, name: 'lastUsedEutranPlmnId', format: 'TV', min: 3 },
  { iei: 0x96, name: 'oldLocationAreaIdentification', format: 'TV', min: 5 },
  { iei: 0x97, name: 'attachIndicator', format: 'T' },
  { iei: 0x98, name: 'selectedOperator', format: 'TV', min: 3 },
  { iei: 0x99, name: 'psRegisteredOperator', format: 'TV', min: 3 },
  { iei: 0x9a, name: 'csRegisteredOperator', format: 'TV', min: 3 },
  // Osmocom extensions (libosmocore gsm_08_08.h): Osmux support (T) and Osmux CID (TV 1).
  { iei: 0xf0, name: 'osmuxSupport', format: 'T' },
  { iei: 0xf1, name: 'osmuxCid', format: 'TV', min: 1, codec: v.u8 },
];

const BY_NAME = new Map(IES.map((ie) => [ie.name, ie]));
const BY_IEI = new Map(IES.map((ie) => [ie.iei, ie]));

/**
 * Adapter to the codec IE engine: its rule for an IEI it does not know
 * ("bit 8 = 1: one octet") is the TS 24.007 one, while in BSSMAP an IEI of
 * 0x80 and above may be a TLV. IEIs >= 0x80 that TS 48.008 does not define
 * are therefore declared here as TLV under the name `iei_XX` (hex value).
 */
for (let iei = 0x80; iei < 0x100; iei++) if (!BY_IEI.has(iei)) BY_IEI.set(iei, { iei, name: `iei_${iei.toString(16)}`, format: 'TLV' });

export type BssmapType =
  | 'ASSIGNMENT REQUEST'
  | 'ASSIGNMENT COMPLETE'
  | 'ASSIGNMENT FAILURE'
  | 'CLEAR COMMAND'
  | 'CLEAR COMPLETE'
  | 'CLEAR REQUEST'
  | 'RESET'
  | 'RESET ACKNOWLEDGE'
  | 'PAGING'
  | 'CIPHER MODE COMMAND'
  | 'CIPHER MODE COMPLETE'
  | 'CIPHER MODE REJECT'
  | 'CLASSMARK UPDATE'
  | 'COMMON ID'
  | 'COMPLETE LAYER 3 INFORMATION';

export interface BssmapMessageDef {
  type: BssmapType;
  /** Message type code, §3.2.2.1. */
  code: number;
  /** The IEs of the message's table in §3.2.1, by name, with presence (M or O; C counts as O). */
  ies: readonly [string, Presence][];
}

/** The messages of TS 48.008 §3.2.1, each with its IE table. */
export const MESSAGES: readonly BssmapMessageDef[] = [
  {
    type: 'ASSIGNMENT REQUEST', code: 0x01,
    ies: [
      ['channelType', 'M'], ['layer3HeaderInformation', 'O'], ['priority', 'O'], ['circuitIdentityCode', 'O'], ['downlinkDtxFlag', 'O'],
      ['interferenceBandToBeUsed', 'O'], ['classmarkInformationType2', 'O'], ['groupCallReference', 'O'], ['talkerFlag', 'O'],
      ['configurationEvolutionIndication', 'O'], ['lsaAccessControlSuppression', 'O'], ['serviceHandover', 'O'], ['encryptionInformation', 'O'],
      ['talkerPriority', 'O'], ['aoipTransportLayerAddress', 'O'], ['speechCodecList', 'O'], ['callIdentifier', 'O'], ['kc128', 'O'],
      ['globalCallReference', 'O'], ['lclsConfiguration', 'O'], ['lclsConnectionStatusControl', 'O'], ['lclsCorrelationNotNeeded', 'O'], ['osmuxCid', 'O'],
    ],
  },
  {
    type: 'ASSIGNMENT COMPLETE', code: 0x02,
    ies: [
      ['rrCause', 'O'], ['circuitIdentityCode', 'O'], ['cellIdentifier', 'O'], ['chosenChannel', 'O'], ['chosenEncryptionAlgorithm', 'O'],
      ['circuitPool', 'O'], ['speechVersion', 'O'], ['lsaIdentifier', 'O'], ['talkerPriority', 'O'], ['aoipTransportLayerAddress', 'O'],
      ['speechCodec', 'O'], ['speechCodecList', 'O'], ['lclsBssStatus', 'O'], ['osmuxCid', 'O'],
    ],
  },
  {
    type: 'ASSIGNMENT FAILURE', code: 0x03,
    ies: [['cause', 'M'], ['rrCause', 'O'], ['circuitPool', 'O'], ['circuitPoolList', 'O'], ['talkerPriority', 'O'], ['speechCodecList', 'O']],
  },
  { type: 'CLEAR COMMAND', code: 0x20, ies: [['layer3HeaderInformation', 'O'], ['cause', 'M'], ['csfbIndication', 'O']] },
  { type: 'CLEAR COMPLETE', code: 0x21, ies: [] },
  { type: 'CLEAR REQUEST', code: 0x22, ies: [['cause', 'M']] },
  { type: 'RESET', code: 0x30, ies: [['cause', 'M'], ['aInterfaceSelectorForReset', 'O'], ['osmuxSupport', 'O']] },
  { type: 'RESET ACKNOWLEDGE', code: 0x31, ies: [['aInterfaceSelectorForReset', 'O'], ['osmuxSupport', 'O']] },
  {
    type: 'PAGING', code: 0x52,
    ies: [['imsi', 'M'], ['tmsi', 'O'], ['cellIdentifierList', 'M'], ['channelNeeded', 'O'], ['emlppPriority', 'O'], ['pagingInformation', 'O']],
  },
  { type: 'CIPHER MODE COMMAND', code: 0x53, ies: [['layer3HeaderInformation', 'O'], ['encryptionInformation', 'M'], ['cipherResponseMode', 'O'], ['kc128', 'O']] },
  { type: 'CLASSMARK UPDATE', code: 0x54, ies: [['classmarkInformationType2', 'M'], ['classmarkInformationType3', 'O'], ['talkerPriority', 'O']] },
  { type: 'CIPHER MODE COMPLETE', code: 0x55, ies: [['layer3MessageContents', 'O'], ['chosenEncryptionAlgorithm', 'O']] },
  {
    type: 'COMPLETE LAYER 3 INFORMATION', code: 0x57,
    ies: [
      ['cellIdentifier', 'M'], ['layer3Information', 'M'], ['chosenChannel', 'O'], ['lsaIdentifierList', 'O'], ['speechCodecList', 'O'],
      ['redirectAttemptFlag', 'O'], ['sendSequenceNumber', 'O'], ['imsi', 'O'],
    ],
  },
  { type: 'CIPHER MODE REJECT', code: 0x59, ies: [['cause', 'M']] },
  { type: 'COMMON ID', code: 0x2f, ies: [['imsi', 'M'], ['snaAccessInformation', 'O'], ['selectedPlmnId', 'O']] },
];

function specOf(ie: BssmapIe, presence: Presence): IeSpec {
  const s: IeSpec = { name: ie.name, iei: ie.iei, format: ie.format, presence };
  if (ie.min !== undefined) s.min = ie.min;
  if (ie.max !== undefined) s.max = ie.max;
  if (ie.codec) s.codec = ie.codec;
  return s;
}

/**
 * Compiles one message: its own IEs first (in the order of its table), then
 * every other BSSMAP IE as optional, so that an IE the message does not list
 * is still read with its true format (TV lengths, T) and re-encoded in place.
 */
function compile(def: BssmapMessageDef): CompiledMessage {
  const own = new Set(def.ies.map(([n]) => n));
  const specs: IeSpec[] = def.ies.map(([n, p]) => {
    const ie = BY_NAME.get(n);
    if (!ie) throw new Error(`${def.type}: unknown IE ${n}`);
    return specOf(ie, p);
  });
  for (const ie of BY_IEI.values()) if (!own.has(ie.name)) specs.push(specOf(ie, 'O'));
  return compileMessage('bssap', { name: def.type, ies: specs });
}

export const COMPILED: readonly (CompiledMessage | undefined)[] = (() => {
  const t: (CompiledMessage | undefined)[] = new Array(256).fill(undefined);
  for (const d of MESSAGES) t[d.code] = compile(d);
  return t;
})();

/**
 * For encoding: the message with its own IEs only, and their names. The
 * engine's encoder visits every IE of the table; with ~250 IEs in the full
 * tables that dominated encoding, so a message whose values name only its
 * own IEs (and has no `order`) is encoded with this short table: same bytes.
 */
export const OWN: readonly ({ m: CompiledMessage; names: ReadonlySet<string> } | undefined)[] = (() => {
  const t: ({ m: CompiledMessage; names: ReadonlySet<string> } | undefined)[] = new Array(256).fill(undefined);
  for (const d of MESSAGES) {
    t[d.code] = {
      m: compileMessage('bssap', { name: d.type, ies: d.ies.map(([n, p]) => specOf(BY_NAME.get(n)!, p)) }),
      names: new Set(d.ies.map(([n]) => n)),
    };
  }
  return t;
})();

export const CODE_OF: Readonly<Record<BssmapType, number>> = Object.fromEntries(MESSAGES.map((m) => [m.type, m.code])) as Record<BssmapType, number>;
