/** The part of `seek-bzip` (no bundled types) that Latticework uses. */
declare module 'seek-bzip' {
  const Bunzip: {
    /** Decodes a whole bzip2 buffer; `multistream` reads concatenated streams. Throws on bad data or CRC. */
    decode(input: Buffer | Uint8Array, output?: undefined, multistream?: boolean): Buffer;
  };
  export default Bunzip;
}
