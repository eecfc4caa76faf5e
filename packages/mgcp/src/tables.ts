/**
 * MGCP as data (RFC 3435): the verbs, the parameter lines, the connection
 * modes and the local connection options, each described once. The generic
 * line codec in `codec.ts` walks these tables.
 */

/** RFC 3435 section 2.3 commands (plus the osmo-mgw-relevant set is the same). */
export const VERBS = {
  EPCF: 'EndpointConfiguration',
  CRCX: 'CreateConnection',
  MDCX: 'ModifyConnection',
  DLCX: 'DeleteConnection',
  RQNT: 'NotificationRequest',
  NTFY: 'Notify',
  AUEP: 'AuditEndpoint',
  AUCX: 'AuditConnection',
  RSIP: 'RestartInProgress',
  MESG: 'Message',
} as const;

export type Verb = keyof typeof VERBS;

/** Connection modes (RFC 3435 section 3.2.2.6). */
export const MODES = [
  'sendonly',
  'recvonly',
  'sendrecv',
  'confrnce',
  'inactive',
  'loopback',
  'conttest',
  'netwloop',
  'netwtest',
  'data',
] as const;
export type ConnectionMode = (typeof MODES)[number];

/**
 * Parameter lines (RFC 3435 section 3.2.2). `typed` names the field of
 * MgcpParam that carries the parsed value for that parameter, when we parse
 * one; every other parameter keeps its text in `value`.
 */
export interface ParamSpec {
  code: string;
  name: string;
  typed?: 'mode' | 'options';
}

export const PARAMS: readonly ParamSpec[] = [
  { code: 'B', name: 'BearerInformation' },
  { code: 'C', name: 'CallId' },
  { code: 'I', name: 'ConnectionId' },
  { code: 'N', name: 'NotifiedEntity' },
  { code: 'X', name: 'RequestIdentifier' },
  { code: 'L', name: 'LocalConnectionOptions', typed: 'options' },
  { code: 'M', name: 'ConnectionMode', typed: 'mode' },
  { code: 'R', name: 'RequestedEvents' },
  { code: 'S', name: 'SignalRequests' },
  { code: 'D', name: 'DigitMap' },
  { code: 'O', name: 'ObservedEvents' },
  { code: 'P', name: 'ConnectionParameters' },
  { code: 'E', name: 'ReasonCode' },
  { code: 'Z', name: 'SpecificEndPointId' },
  { code: 'Z2', name: 'SecondEndpointId' },
  { code: 'I2', name: 'SecondConnectionId' },
  { code: 'F', name: 'RequestedInfo' },
  { code: 'Q', name: 'QuarantineHandling' },
  { code: 'T', name: 'DetectEvents' },
  { code: 'RM', name: 'RestartMethod' },
  { code: 'RD', name: 'RestartDelay' },
  { code: 'A', name: 'Capabilities' },
  { code: 'ES', name: 'EventStates' },
  { code: 'PL', name: 'PackageList' },
  { code: 'MD', name: 'MaxMGCPDatagram' },
  { code: 'K', name: 'ResponseAck' },
];

/** Upper-case code → spec, for case-insensitive lookup. */
export const PARAM_BY_CODE: ReadonlyMap<string, ParamSpec> = new Map(PARAMS.map((p) => [p.code, p]));

/** Local connection option keys (RFC 3435 section 3.2.2.10), for documentation and lookup. */
export const LOCAL_OPTIONS: Readonly<Record<string, string>> = {
  a: 'compression algorithm (codec)',
  p: 'packetization period (ms, or a range n-m)',
  b: 'bandwidth',
  e: 'echo cancellation',
  gc: 'gain control',
  s: 'silence suppression',
  t: 'type of service',
  r: 'resource reservation',
  k: 'encryption key',
  nt: 'network type',
  fmtp: 'media format parameters',
};

/** SDP line types (RFC 4566) and the field of SdpLine that carries the parsed form. */
export const SDP_TYPED: Readonly<Record<string, 'version' | 'origin' | 'sessionName' | 'connection' | 'timing' | 'media'>> = {
  v: 'version',
  o: 'origin',
  s: 'sessionName',
  c: 'connection',
  t: 'timing',
  m: 'media',
};

/** SDP attributes we parse (a=<name>:<value>). */
export const SDP_ATTRS = ['rtpmap', 'ptime', 'fmtp'] as const;
