/**
 * A file that cannot be read as a capture: names the format, the block or
 * record, the field and the byte offset in the file.
 */
export class PcapError extends Error {
  override name = 'PcapError';
  constructor(
    /** Stable code for tests: 'not-a-capture', 'bad-block-length', 'bad-record', 'io'. */
    readonly code: string,
    /** Byte offset in the file of the field that was wrong. */
    readonly fileOffset: number,
    /** Frame number reached when it happened (0 before the first frame). */
    readonly frame: number,
    message: string,
  ) {
    super(message);
  }
}
