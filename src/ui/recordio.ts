// The browser's reader of the operator API's RecordIO framing (reference §4.3): each record is
// its length in bytes as decimal text, a newline, then that many bytes of JSON. Chunks of the
// response body split records anywhere, so bytes are buffered until a whole record is in.
// Chunks of a long record (SUBSCRIBED of a large cluster is tens of MB) are kept in a list and
// joined once the record is whole: joining at every chunk would copy the record over and over.

/** The longest length prefix accepted: a bad stream fails instead of buffering forever. */
const RECORDIO_MAX_PREFIX_DIGITS = 12;

export class RecordIoReader {
  #chunks: Uint8Array[] = [];
  #size = 0;
  /** Bytes the buffered record needs in all (prefix included); 0 while its length is unknown. */
  #need = 0;
  readonly #decoder = new TextDecoder();

  /** Adds a chunk; returns the records it completed, each as its decoded text. */
  push(chunk: Uint8Array): string[] {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size < this.#need) return [];
    const joined = this.#join();
    const records: string[] = [];
    let at = 0;
    this.#need = 0;
    for (;;) {
      const newline = joined.indexOf(10, at);
      if (newline === -1) {
        if (joined.length - at > RECORDIO_MAX_PREFIX_DIGITS) throw new Error("bad RecordIO prefix");
        break;
      }
      const length = Number(this.#decoder.decode(joined.subarray(at, newline)));
      if (!Number.isInteger(length) || length < 0) throw new Error("bad RecordIO length");
      if (joined.length < newline + 1 + length) {
        this.#need = newline + 1 + length - at;
        break;
      }
      records.push(this.#decoder.decode(joined.subarray(newline + 1, newline + 1 + length)));
      at = newline + 1 + length;
    }
    const rest = joined.slice(at);
    this.#chunks = rest.length === 0 ? [] : [rest];
    this.#size = rest.length;
    return records;
  }

  #join(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0]!;
    const joined = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      joined.set(c, at);
      at += c.length;
    }
    return joined;
  }
}
