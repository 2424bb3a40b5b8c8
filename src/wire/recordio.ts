// RecordIO framing (reference §0.3), used by every v1 streaming response: scheduler, executor
// and operator SUBSCRIBE. A record is `<decimal byte length>\n<payload>`; no separator follows
// the payload, the next record's length starts right after it. HTTP chunk boundaries are
// unrelated to record boundaries, so the decoder accepts any split of the byte stream.
//
// Differences from Mesos's stout decoder, on purpose: a zero length is rejected (Mesos never
// writes one: every payload is a non-empty Event) and lengths are bounded by a limit, so a
// corrupt or hostile stream cannot make us allocate without bound.

/** Default largest payload the decoder accepts: 16 MiB, far above any real Event. */
export const RECORDIO_MAX_RECORD_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const utf8Encoder = new TextEncoder();

/** Frames one payload (a string is UTF-8 encoded; the length counts bytes, not characters). */
export function encodeRecord(payload: string | Uint8Array): Uint8Array {
  const body = typeof payload === "string" ? utf8Encoder.encode(payload) : payload;
  // An empty record cannot be told apart from a framing error by readers; callers never
  // have a reason to send one, so this is a bug in the caller.
  if (body.length === 0) throw new Error("RecordIO: refusing to encode an empty record");
  const header = utf8Encoder.encode(`${body.length}\n`);
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

export type RecordIoErrorCode =
  | "RECORDIO_MALFORMED_LENGTH"
  | "RECORDIO_ZERO_LENGTH"
  | "RECORDIO_RECORD_TOO_LARGE"
  | "RECORDIO_TRUNCATED";

export interface RecordIoError {
  readonly code: RecordIoErrorCode;
  readonly message: string;
}

/** What one `push` produced: the records completed by it, and the error if the stream broke. */
export interface RecordIoChunkResult {
  readonly records: Uint8Array[];
  readonly error?: RecordIoError;
}

export interface RecordDecoderOptions {
  /** Largest payload accepted, in bytes; defaults to RECORDIO_MAX_RECORD_BYTES. */
  readonly maxRecordBytes?: number;
}

/**
 * Incremental RecordIO decoder. Feed it chunks as they arrive; each `push` returns the records
 * that chunk completed. Memory held is at most one header (a few digits) plus one payload
 * buffer of at most `maxRecordBytes`. After the first error the decoder stays failed and every
 * later `push` or `end` returns that same error.
 */
export class RecordDecoder {
  readonly maxRecordBytes: number;
  private readonly maxHeaderDigits: number;
  private header = "";
  private headerValue = 0;
  private payload: Uint8Array | undefined;
  private payloadFilled = 0;
  private failure: RecordIoError | undefined;

  constructor(options: RecordDecoderOptions = {}) {
    const max = options.maxRecordBytes ?? RECORDIO_MAX_RECORD_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new Error(`RecordIO: maxRecordBytes must be a positive integer, got ${max}`);
    }
    this.maxRecordBytes = max;
    // Leading zeros are tolerated (Mesos parses the length as a plain decimal number), but a
    // header longer than this is rejected so that it, too, stays bounded.
    this.maxHeaderDigits = 20;
  }

  /** The error that stopped this decoder, if any. */
  get error(): RecordIoError | undefined {
    return this.failure;
  }

  push(chunk: Uint8Array): RecordIoChunkResult {
    if (this.failure) return { records: [], error: this.failure };
    const records: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.payload === undefined) {
        const byte = chunk[i] as number;
        i += 1;
        if (byte === NEWLINE) {
          const error = this.finishHeader();
          if (error) return { records, error: this.fail(error) };
          continue;
        }
        const error = this.headerByte(byte);
        if (error) return { records, error: this.fail(error) };
        continue;
      }
      const wanted = this.payload.length - this.payloadFilled;
      const take = Math.min(wanted, chunk.length - i);
      this.payload.set(chunk.subarray(i, i + take), this.payloadFilled);
      this.payloadFilled += take;
      i += take;
      if (this.payloadFilled === this.payload.length) {
        records.push(this.payload);
        this.payload = undefined;
        this.payloadFilled = 0;
      }
    }
    return { records };
  }

  /** Call when the byte stream ends: a record cut short is an error. */
  end(): RecordIoError | undefined {
    if (this.failure) return this.failure;
    if (this.payload !== undefined) {
      return this.fail({
        code: "RECORDIO_TRUNCATED",
        message: `Stream ended inside a record: got ${this.payloadFilled} of ${this.payload.length} bytes`,
      });
    }
    if (this.header !== "") {
      return this.fail({
        code: "RECORDIO_TRUNCATED",
        message: `Stream ended inside a record length '${this.header}'`,
      });
    }
    return undefined;
  }

  private headerByte(byte: number): RecordIoError | undefined {
    if (byte < DIGIT_0 || byte > DIGIT_9) {
      return {
        code: "RECORDIO_MALFORMED_LENGTH",
        message: `Failed to decode record length '${this.header}${describeByte(byte)}': expected decimal digits followed by a newline`,
      };
    }
    this.header += String.fromCharCode(byte);
    this.headerValue = this.headerValue * 10 + (byte - DIGIT_0);
    if (this.header.length > this.maxHeaderDigits) {
      return {
        code: "RECORDIO_MALFORMED_LENGTH",
        message: `Failed to decode record length '${this.header}': more than ${this.maxHeaderDigits} digits`,
      };
    }
    if (this.headerValue > this.maxRecordBytes) {
      return {
        code: "RECORDIO_RECORD_TOO_LARGE",
        message: `Record length '${this.header}...' exceeds the limit of ${this.maxRecordBytes} bytes`,
      };
    }
    return undefined;
  }

  private finishHeader(): RecordIoError | undefined {
    if (this.header === "") {
      return {
        code: "RECORDIO_MALFORMED_LENGTH",
        message: "Failed to decode record length '': expected decimal digits before the newline",
      };
    }
    if (this.headerValue === 0) {
      return { code: "RECORDIO_ZERO_LENGTH", message: "Record length must not be zero" };
    }
    // headerByte keeps headerValue within the limit, so this allocation is bounded.
    this.payload = new Uint8Array(this.headerValue);
    this.payloadFilled = 0;
    this.header = "";
    this.headerValue = 0;
    return undefined;
  }

  private fail(error: RecordIoError): RecordIoError {
    this.failure = error;
    this.payload = undefined;
    this.header = "";
    return error;
  }
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16)}`;
}

/** Thrown by the async adapters only: an iterator has no other way to report a broken stream. */
export class RecordIoStreamError extends Error {
  readonly code: RecordIoErrorCode;
  constructor(error: RecordIoError) {
    super(error.message);
    this.name = "RecordIoStreamError";
    this.code = error.code;
  }
}

/**
 * Reads records from a byte stream: a Node Readable, a web ReadableStream (both are async
 * iterables in Node 20) or any async iterable of chunks. Yields each payload's bytes; throws
 * RecordIoStreamError when the framing is broken or the stream ends inside a record.
 */
export async function* readRecords(
  source: AsyncIterable<Uint8Array | string>,
  options: RecordDecoderOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const decoder = new RecordDecoder(options);
  for await (const chunk of source) {
    const bytes = typeof chunk === "string" ? utf8Encoder.encode(chunk) : chunk;
    const { records, error } = decoder.push(bytes);
    yield* records;
    if (error) throw new RecordIoStreamError(error);
  }
  const error = decoder.end();
  if (error) throw new RecordIoStreamError(error);
}

/**
 * Like readRecords, with each payload decoded as UTF-8 text (the JSON content type). A payload
 * that is not valid UTF-8 throws the TypeError of a fatal TextDecoder.
 */
export async function* readTextRecords(
  source: AsyncIterable<Uint8Array | string>,
  options: RecordDecoderOptions = {},
): AsyncGenerator<string, void, undefined> {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  for await (const record of readRecords(source, options)) yield utf8.decode(record);
}
