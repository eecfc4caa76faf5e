/**
 * Errors the SCCP node throws on purpose, at its user API (never out of
 * receive(): what arrives from the network is counted and logged instead).
 */
export type SccpErrorCode =
  /** bind() on an SSN that is already bound, or an SSN outside 1..255. */
  | 'bad-ssn'
  /** No point code to send to: the called address has none and no remotePc is configured. */
  | 'no-route'
  /** Data too long even for 16 XUDT segments, or empty where Q.713 asks for at least one octet. */
  | 'bad-length'
  /** A connection primitive in a state that does not take it (accept() twice, send() before accept()). */
  | 'bad-state'
  /** Every 24-bit local reference is in use or frozen. */
  | 'no-reference'
  /** A malformed argument (an address that is not an object, a cause out of range...). */
  | 'bad-argument';

export class SccpError extends Error {
  override readonly name = 'SccpError';
  constructor(
    readonly code: SccpErrorCode,
    message: string,
  ) {
    super(message);
  }
}
