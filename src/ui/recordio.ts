// The browser's reader of the operator API's RecordIO framing (reference §4.3): each record is
// its length in bytes as decimal text, a newline, then that many bytes of JSON. Chunks of the
// response body split records anywhere, so bytes are buffered until a whole record is in.

/** The longest length prefix accepted: a bad stream fails instead of buffering forever. */
const RECORDIO_MAX_PREFIX_DIGITS = 12;

export class RecordIoReader {
  #buffer = new Uint8Array(0);
  readonly #decoder = new TextDecoder();

  /** Adds a chunk; returns the records it completed, each as its decoded text. */
  push(chunk: Uint8Array): string[] {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer, 0);
    joined.set(chunk, this.#buffer.length);
    const records: string[] = [];
    let at = 0;
    for (;;) {
      const newline = joined.indexOf(10, at);
      if (newline === -1) {
        if (joined.length - at > RECORDIO_MAX_PREFIX_DIGITS) throw new Error("bad RecordIO prefix");
        break;
      }
      const length = Number(this.#decoder.decode(joined.subarray(at, newline)));
      if (!Number.isInteger(length) || length < 0) throw new Error("bad RecordIO length");
      if (joined.length < newline + 1 + length) break;
      records.push(this.#decoder.decode(joined.subarray(newline + 1, newline + 1 + length)));
      at = newline + 1 + length;
    }
    this.#buffer = joined.slice(at);
    return records;
  }
}
