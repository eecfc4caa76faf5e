import type { TimerName } from './timers';

/**
 * Every failure the simulator reports is one of these: each names the
 * procedure (LOCATION UPDATING, MO CALL, ...), the MS when there is one, what
 * was expected and what came instead, so that a failing MSC test says where
 * the MSC went wrong.
 */
export class BscSimError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The MS's IMSI, when the failure belongs to one. */
    readonly imsi?: string,
  ) {
    super(imsi ? `${message} (MS ${imsi})` : message);
    this.name = 'BscSimError';
  }
}

/** A named timer ran out while `expected` was awaited. */
export class TimeoutError extends BscSimError {
  constructor(
    readonly procedure: string,
    /** The timer's name, or 'expect' for a Dialogue.expect() time limit. */
    readonly timer: TimerName | 'expect',
    readonly ms: number,
    readonly expected: readonly string[],
    /** The last message received on that connection, if any. */
    readonly lastReceived: string | undefined,
    imsi?: string,
  ) {
    super(
      'timeout',
      `${procedure}: ${timer} (${ms} ms) expired waiting for ${expected.join(' or ')}${lastReceived ? `; last received: ${lastReceived}` : '; nothing received'}`,
      imsi,
    );
    this.name = 'TimeoutError';
  }
}

/** A message came that the procedure's state does not allow. */
export class UnexpectedMessageError extends BscSimError {
  constructor(
    readonly procedure: string,
    readonly expected: readonly string[],
    readonly got: string,
    imsi?: string,
  ) {
    super('unexpected-message', `${procedure}: expected ${expected.join(' or ')}, got ${got}`, imsi);
    this.name = 'UnexpectedMessageError';
  }
}

/** The MSC refused the SCCP connection (CREF). */
export class ConnectionRefusedError extends BscSimError {
  constructor(
    readonly procedure: string,
    readonly refusalCause: number,
    imsi?: string,
  ) {
    super('connection-refused', `${procedure}: the MSC refused the SCCP connection (CREF, refusal cause ${refusalCause})`, imsi);
    this.name = 'ConnectionRefusedError';
  }
}

/** Who ended a connection or link. */
export type ReleasedBy = 'msc' | 'bsc' | 'link' | 'reset' | 'stop';

/** The connection went away (released, link lost, RESET, stop) while `expected` was awaited. */
export class ReleasedError extends BscSimError {
  constructor(
    readonly procedure: string,
    readonly expected: readonly string[],
    readonly by: ReleasedBy,
    readonly detail: string,
    imsi?: string,
  ) {
    super('released', `${procedure}: connection ended (${by}: ${detail}) while waiting for ${expected.join(' or ')}`, imsi);
    this.name = 'ReleasedError';
  }
}

/** No link to the MSC (not started, lost, or not up within the start timeout). */
export class LinkDownError extends BscSimError {
  constructor(readonly detail: string) {
    super('link-down', `no link to the MSC: ${detail}`);
    this.name = 'LinkDownError';
  }
}

/** The MSC's CIPHER MODE COMMAND carried another Kc than the SIM derived from the last authentication. */
export class KcMismatchError extends BscSimError {
  constructor(
    readonly expectedKc: string,
    readonly gotKc: string,
    imsi?: string,
  ) {
    super('kc-mismatch', `CIPHER MODE COMMAND: Kc ${gotKc} is not the SIM's ${expectedKc}: the MS cannot decipher, the radio link fails`, imsi);
    this.name = 'KcMismatchError';
  }
}

/** A call ended before it reached the awaited state. */
export class CallFailedError extends BscSimError {
  constructor(
    readonly phase: string,
    readonly detail: string,
    /** CC cause value (TS 24.008 §10.5.4.11) or MM reject cause, when one came. */
    override readonly cause: number | undefined,
    imsi?: string,
  ) {
    super('call-failed', `call failed before ${phase}: ${detail}${cause !== undefined ? ` (cause ${cause})` : ''}`, imsi);
    this.name = 'CallFailedError';
  }
}

/** A procedure was asked of an MS that is busy with a connection, or is not allowed in its state. */
export class MsStateError extends BscSimError {
  constructor(detail: string, imsi?: string) {
    super('ms-state', detail, imsi);
    this.name = 'MsStateError';
  }
}

/** A short message transfer failed below the relay layer: CP-ERROR, TC1M retransmissions exhausted, connection lost. */
export class SmsFailedError extends BscSimError {
  constructor(
    readonly procedure: string,
    readonly detail: string,
    /** CP-Cause (TS 24.011 §8.1.4.2) of a CP-ERROR, when one came. */
    readonly cpCause: number | undefined,
    imsi?: string,
  ) {
    super('sms-failed', `${procedure}: ${detail}${cpCause !== undefined ? ` (CP cause ${cpCause})` : ''}`, imsi);
    this.name = 'SmsFailedError';
  }
}
