/**
 * Cause values of Q.713 §3.11 (release), §3.12 (return), §3.14 (error) and
 * §3.15 (refusal), each listed once with its text. The numbers agree with
 * libosmo-sccp's include/osmocom/sccp/sccp_types.h and Wireshark's
 * packet-sccp.c tables.
 */

export const RELEASE_CAUSE = {
  END_USER_ORIGINATED: 0,
  END_USER_CONGESTION: 1,
  END_USER_FAILURE: 2,
  SCCP_USER_ORIGINATED: 3,
  REMOTE_PROCEDURE_ERROR: 4,
  INCONSISTENT_CONNECTION_DATA: 5,
  ACCESS_FAILURE: 6,
  ACCESS_CONGESTION: 7,
  SUBSYSTEM_FAILURE: 8,
  SUBSYSTEM_CONGESTION: 9,
  MTP_FAILURE: 10,
  NETWORK_CONGESTION: 11,
  EXPIRATION_OF_RESET_TIMER: 12,
  EXPIRATION_OF_RECEIVE_INACTIVITY_TIMER: 13,
  UNQUALIFIED: 15,
  SCCP_FAILURE: 16,
} as const;

export const RETURN_CAUSE = {
  NO_TRANSLATION_FOR_NATURE: 0,
  NO_TRANSLATION_FOR_ADDRESS: 1,
  SUBSYSTEM_CONGESTION: 2,
  SUBSYSTEM_FAILURE: 3,
  UNEQUIPPED_USER: 4,
  MTP_FAILURE: 5,
  NETWORK_CONGESTION: 6,
  UNQUALIFIED: 7,
  ERROR_IN_MESSAGE_TRANSPORT: 8,
  ERROR_IN_LOCAL_PROCESSING: 9,
  DESTINATION_CANNOT_REASSEMBLE: 10,
  SCCP_FAILURE: 11,
  HOP_COUNTER_VIOLATION: 12,
  SEGMENTATION_NOT_SUPPORTED: 13,
  SEGMENTATION_FAILURE: 14,
} as const;

export const ERROR_CAUSE = {
  UNASSIGNED_DESTINATION_LRN: 0,
  INCONSISTENT_SOURCE_LRN: 1,
  POINT_CODE_MISMATCH: 2,
  SERVICE_CLASS_MISMATCH: 3,
  UNQUALIFIED: 4,
} as const;

export const REFUSAL_CAUSE = {
  END_USER_ORIGINATED: 0,
  END_USER_CONGESTION: 1,
  END_USER_FAILURE: 2,
  SCCP_USER_ORIGINATED: 3,
  DESTINATION_ADDRESS_UNKNOWN: 4,
  DESTINATION_INACCESSIBLE: 5,
  QOS_NOT_AVAILABLE_NON_TRANSIENT: 6,
  QOS_NOT_AVAILABLE_TRANSIENT: 7,
  ACCESS_FAILURE: 8,
  ACCESS_CONGESTION: 9,
  SUBSYSTEM_FAILURE: 10,
  SUBSYSTEM_CONGESTION: 11,
  EXPIRATION_OF_CONNECTION_ESTABLISHMENT_TIMER: 12,
  INCOMPATIBLE_USER_DATA: 13,
  UNQUALIFIED: 15,
  HOP_COUNTER_VIOLATION: 16,
  SCCP_FAILURE: 17,
  NO_TRANSLATION_FOR_NATURE: 18,
  UNEQUIPPED_USER: 19,
} as const;

export type CauseKind = 'release' | 'return' | 'error' | 'refusal';

const TABLES: Record<CauseKind, Record<string, number>> = {
  release: RELEASE_CAUSE,
  return: RETURN_CAUSE,
  error: ERROR_CAUSE,
  refusal: REFUSAL_CAUSE,
};

const words = (name: string) =>
  name
    .toLowerCase()
    .replace(/_/g, ' ')
    .replace(/\blrn\b/g, 'LRN')
    .replace(/\bmtp\b/g, 'MTP')
    .replace(/\bsccp\b/g, 'SCCP')
    .replace(/\bqos\b/g, 'QoS');

const NAMES: Record<CauseKind, Map<number, string>> = Object.fromEntries(
  Object.entries(TABLES).map(([k, t]) => [k, new Map(Object.entries(t).map(([name, v]) => [v, words(name)]))]),
) as Record<CauseKind, Map<number, string>>;

/** 'expiration of receive inactivity timer' for causeText('release', 13); unknown values as 'release cause 99'. */
export function causeText(kind: CauseKind, value: number): string {
  return NAMES[kind].get(value) ?? `${kind} cause ${value}`;
}

/**
 * The refusal cause for a CR that could not be routed, from the return cause
 * a UDT would have got (the same mapping as libosmo-sigtran's sccp_scoc.c).
 */
export function refusalForReturn(ret: number): number {
  switch (ret) {
    case RETURN_CAUSE.SUBSYSTEM_CONGESTION:
      return REFUSAL_CAUSE.SUBSYSTEM_CONGESTION;
    case RETURN_CAUSE.SUBSYSTEM_FAILURE:
      return REFUSAL_CAUSE.SUBSYSTEM_FAILURE;
    case RETURN_CAUSE.UNEQUIPPED_USER:
      return REFUSAL_CAUSE.UNEQUIPPED_USER;
    case RETURN_CAUSE.SCCP_FAILURE:
      return REFUSAL_CAUSE.SCCP_FAILURE;
    case RETURN_CAUSE.HOP_COUNTER_VIOLATION:
      return REFUSAL_CAUSE.HOP_COUNTER_VIOLATION;
    case RETURN_CAUSE.NO_TRANSLATION_FOR_NATURE:
      return REFUSAL_CAUSE.NO_TRANSLATION_FOR_NATURE;
    default:
      return REFUSAL_CAUSE.UNQUALIFIED;
  }
}
