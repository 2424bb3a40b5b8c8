// The protobuf binary format's primitives: varints, fixed 64-bit doubles and length-delimited
// fields (https://protobuf.dev/programming-guides/encoding/). Small enough to keep here rather
// than take a dependency; protobuf.ts drives them from the wire schemas.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 2 ** 32;

/**
 * An append-only byte buffer that grows by doubling. A nested message is written in place:
 * `beginLengthDelimited` leaves one byte for its length, `endLengthDelimited` fills it in and
 * moves the content up when the length needs more bytes (rare: messages of 128 bytes or more),
 * so that no message is written twice into buffers of its own.
 */
export class ProtoWriter {
  #buf = Buffer.allocUnsafe(1024);
  #len = 0;

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  get length(): number {
    return this.#len;
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /**
   * An unsigned varint of a non-negative integer up to 2^64 (beyond 2^53 the double's value).
   * A negative integer is written as its 64-bit two's complement (ten bytes), as protobuf
   * writes int32 and int64 fields.
   */
  varint(value: number): void {
    this.#reserve(10);
    if (value >= 0 && value < 0x80) {
      this.#buf[this.#len++] = value;
      return;
    }
    // Split at 2^32 so that both halves are exact; then 7 bits at a time.
    let hi = Math.floor(value / TWO_32);
    let lo = value - hi * TWO_32;
    if (hi < 0) hi += TWO_32; // two's complement of a negative value's high half
    if (hi >= TWO_32) {
      // 2^64 itself (uint64's upper bound as a double) saturates to the largest uint64.
      hi = TWO_32 - 1;
      lo = TWO_32 - 1;
    }
    while (hi > 0 || lo > 0x7f) {
      this.#buf[this.#len++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi = Math.floor(hi / 128);
    }
    this.#buf[this.#len++] = lo;
  }

  double(value: number): void {
    this.#reserve(8);
    this.#buf.writeDoubleLE(value, this.#len);
    this.#len += 8;
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.#reserve(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
  }

  /** A length-delimited UTF-8 string. */
  string(text: string): void {
    const size = Buffer.byteLength(text, "utf8");
    this.varint(size);
    this.#reserve(size);
    this.#len += this.#buf.write(text, this.#len, "utf8");
  }

  /** Starts a length-delimited field's content; returns where its length goes. */
  beginLengthDelimited(): number {
    this.#reserve(1);
    return this.#len++;
  }

  endLengthDelimited(at: number): void {
    const length = this.#len - at - 1;
    let size = 1;
    while (length >= 2 ** (7 * size)) size++;
    if (size > 1) {
      this.#reserve(size - 1);
      this.#buf.copy(this.#buf, at + size, at + 1, this.#len);
      this.#len += size - 1;
    }
    let rest = length;
    for (let i = 0; i < size; i++) {
      this.#buf[at + i] = (rest % 128) | (i < size - 1 ? 0x80 : 0);
      rest = Math.floor(rest / 128);
    }
  }

  finish(): Uint8Array {
    return new Uint8Array(this.#buf.subarray(0, this.#len));
  }
}

/** A malformed protobuf input: truncated, an impossible wire type or length. */
export class ProtoDecodeError extends Error {}

/** Reads the primitives of one buffer; every read checks the bounds it is given. */
export class ProtoReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  pos: number;

  constructor(buf: Uint8Array, pos = 0) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
  }

  // The two 32-bit halves of the last varint read: int32 and enum fields are the low half.
  #lo = 0;
  #hi = 0;

  #varint(end: number): void {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= end) throw new ProtoDecodeError("truncated varint");
      const byte = this.#buf[this.pos++] as number;
      const bits = byte & 0x7f;
      if (shift < 28) lo += bits * 2 ** shift;
      else if (shift === 28) {
        lo += (bits & 0x0f) * 2 ** 28;
        hi += bits >>> 4;
      } else hi += bits * 2 ** (shift - 32);
      if ((byte & 0x80) === 0) {
        this.#lo = lo;
        this.#hi = hi % TWO_32;
        return;
      }
    }
    throw new ProtoDecodeError("varint longer than ten bytes");
  }

  /** An unsigned varint (at most ten bytes); exact up to 2^53. */
  varint(end: number): number {
    this.#varint(end);
    return this.#hi * TWO_32 + this.#lo;
  }

  /** A varint as a signed 64-bit integer (two's complement); exact within ±2^53. */
  int64(end: number): number {
    this.#varint(end);
    return this.#hi >= 2 ** 31
      ? (this.#hi - TWO_32) * TWO_32 + this.#lo
      : this.#hi * TWO_32 + this.#lo;
  }

  /** A varint's low 32 bits as a signed integer (int32 and enum fields). */
  int32(end: number): number {
    this.#varint(end);
    return this.#lo | 0;
  }

  /** A varint's low 32 bits as an unsigned integer. */
  uint32(end: number): number {
    this.#varint(end);
    return this.#lo;
  }

  double(end: number): number {
    if (this.pos + 8 > end) throw new ProtoDecodeError("truncated double");
    const v = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The end offset of a length-delimited field whose length comes next. */
  lengthDelimitedEnd(end: number): number {
    const length = this.varint(end);
    if (length > end - this.pos) throw new ProtoDecodeError("length past the end of the message");
    return this.pos + length;
  }

  slice(from: number, to: number): Uint8Array {
    return this.#buf.subarray(from, to);
  }

  /** Skips a field of an unknown number, as proto2 parsers keep unknown fields aside. */
  skip(wireType: number, end: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint(end);
        return;
      case WIRE_FIXED64:
        this.#advance(8, end);
        return;
      case WIRE_LEN:
        this.pos = this.lengthDelimitedEnd(end);
        return;
      case WIRE_FIXED32:
        this.#advance(4, end);
        return;
      default:
        // Groups (3, 4) are not in any Mesos v1 message; 6 and 7 do not exist.
        throw new ProtoDecodeError(`unsupported wire type ${wireType}`);
    }
  }

  #advance(n: number, end: number): void {
    if (this.pos + n > end) throw new ProtoDecodeError("truncated field");
    this.pos += n;
  }
}
