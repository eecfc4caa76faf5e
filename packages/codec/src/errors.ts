/**
 * A decoder that meets bad input throws DecodeError: it names the protocol,
 * the message (when known), the IE (when inside one) and the byte offset from
 * the start of the buffer handed to decode(). It never returns half a message.
 */
export class DecodeError extends Error {
  constructor(
    readonly protocol: string,
    readonly messageType: string | undefined,
    readonly ie: string | undefined,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(
      `${protocol}${messageType ? ` ${messageType}` : ''}${ie ? `, IE ${ie}` : ''}, at byte ${offset}: ${reason}`,
    );
    this.name = 'DecodeError';
  }

  /** The same error, seen from an outer protocol that carried the bytes at `base`. */
  shifted(base: number): DecodeError {
    return new DecodeError(this.protocol, this.messageType, this.ie, this.offset + base, this.reason);
  }
}

/** A message that cannot be encoded: a missing mandatory IE, a value out of range. */
export class EncodeError extends Error {
  constructor(
    readonly protocol: string,
    readonly messageType: string | undefined,
    readonly ie: string | undefined,
    readonly reason: string,
  ) {
    super(`${protocol}${messageType ? ` ${messageType}` : ''}${ie ? `, IE ${ie}` : ''}: cannot encode: ${reason}`);
    this.name = 'EncodeError';
  }
}
