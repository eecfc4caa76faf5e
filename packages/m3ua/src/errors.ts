import { DecodeError } from '@snaptel/codec';
import type { ErrorCodeName } from './params';

/**
 * A DecodeError that also says which M3UA Error Code (RFC 4666 §3.8.1) a peer
 * should be answered with: 'invalid-version', 'missing-parameter',
 * 'parameter-field-error', 'protocol-error'. Still `instanceof DecodeError`
 * and named 'DecodeError', so generic tooling treats it like any other.
 */
export class M3uaDecodeError extends DecodeError {
  constructor(
    messageType: string | undefined,
    ie: string | undefined,
    offset: number,
    reason: string,
    readonly errorCode: ErrorCodeName,
  ) {
    super('m3ua', messageType, ie, offset, reason);
  }

  override shifted(base: number): M3uaDecodeError {
    return new M3uaDecodeError(this.messageType, this.ie, this.offset + base, this.reason, this.errorCode);
  }
}

export type M3uaErrorCode =
  /** transfer() while the ASP (or every ASP of the AS) is not ASP-ACTIVE. */
  | 'not-active'
  /** transfer() with no association attached. */
  | 'no-association'
  /** transfer() for a destination the SG has no AS for. */
  | 'no-route'
  /** A configuration the endpoint cannot work with. */
  | 'bad-config'
  /** A protocol data unit that cannot be encoded (values out of range). */
  | 'bad-pdu';

/** What the endpoint throws at its user (never for what a peer sends: that is answered with ERR). */
export class M3uaError extends Error {
  override readonly name = 'M3uaError';
  constructor(
    readonly code: M3uaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
