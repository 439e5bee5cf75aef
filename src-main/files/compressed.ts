/**
 * Compressed files, read as their originals: gzip, bzip2 and xz, recognised by their magic bytes
 * (not only their extension). The inner name decides the format: `CONTCAR.relax1.gz` is read as
 * `CONTCAR.relax1`, a POSCAR.
 *
 * Codecs (pure JavaScript / WebAssembly, no native build): gzip with Node's own zlib (multi-member
 * files included), bzip2 with `seek-bzip` (multi-stream, CRCs checked), xz with `xz-decompress`
 * (xz-embedded compiled to WebAssembly, CRCs checked); each loaded when its first file is read (a
 * plain file, e.g. `latticework structure info x.cif`, does not pay for them).
 */
import { createRequire } from 'node:module';

export type Compression = 'gzip' | 'bzip2' | 'xz';

/**
 * Loads a codec when its first file is read. The two packages are CommonJS (xz-decompress a webpack UMD
 * bundle): require() gives the same object under Node, tsx and the bundled app, where a dynamic
 * import() gave xz-decompress under `default` in one and as named exports in another.
 */
const loadCodec = createRequire(import.meta.url);

const SUFFIX: Record<Compression, RegExp> = { gzip: /\.(gz|gzip)$/i, bzip2: /\.(bz2|bzip2)$/i, xz: /\.xz$/i };

/** A file that is not what it claims, or whose compressed data is damaged. */
export class CompressedFileError extends Error {
  override name = 'CompressedFileError';
}

/** The compression of some bytes from their magic number, or null for plain data. */
export function compressionOf(bytes: Uint8Array): Compression | null {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (bytes.length >= 4 && bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68 && bytes[3] >= 0x31 && bytes[3] <= 0x39) return 'bzip2';
  if (bytes.length >= 6 && bytes[0] === 0xfd && bytes[1] === 0x37 && bytes[2] === 0x7a && bytes[3] === 0x58 && bytes[4] === 0x5a && bytes[5] === 0x00) return 'xz';
  return null;
}

/** The compression a file name claims by its suffix (`.gz`, `.bz2`, `.xz`), or null. */
export function claimedCompression(name: string): Compression | null {
  for (const c of ['gzip', 'bzip2', 'xz'] as const) if (SUFFIX[c].test(name)) return c;
  return null;
}

/** The name of the file inside: the compression suffix taken off (`POSCAR.mp-241.gz` → `POSCAR.mp-241`). */
export function innerName(name: string, compression: Compression | null): string {
  if (!compression) return name;
  return name.replace(SUFFIX[compression], '');
}

/** The expanded size over the readers' limit, in the words of their other refusals (the option that raises it). */
const overLimit = (maxBytes: number) => `it expands to more than the limit of ${maxBytes} bytes (option --max-bytes)`;

async function unxz(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const xz = loadCodec('xz-decompress') as typeof import('xz-decompress');
  const reader = new xz.XzReadableStream(source).getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new CompressedFileError(overLimit(maxBytes));
    }
    parts.push(value);
  }
  return concat(parts, total);
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface Decompressed {
  /** The original bytes. */
  bytes: Uint8Array;
  /** The compression found by the magic bytes, or null for a plain file. */
  compression: Compression | null;
  /** The name that decides the format: the compression suffix taken off. */
  name: string;
}

/**
 * The original bytes of a possibly compressed file. A name that claims a compression the bytes do
 * not have is an error (`x.gz` that is not gzip); compressed data without a suffix is decompressed
 * too. Damaged or truncated data, or an original larger than `maxBytes`, is an error.
 */
export async function decompress(name: string, bytes: Uint8Array, maxBytes: number): Promise<Decompressed> {
  const found = compressionOf(bytes);
  const claimed = claimedCompression(name);
  if (claimed && found !== claimed) {
    const what = found ? `${found} data` : 'not compressed';
    throw new CompressedFileError(`the name says ${claimed} (${name.slice(name.lastIndexOf('.'))}) but the file is ${what}`);
  }
  if (!found) return { bytes, compression: null, name };
  let out: Uint8Array;
  try {
    if (found === 'gzip') out = (loadCodec('node:zlib') as typeof import('node:zlib')).gunzipSync(bytes, { maxOutputLength: maxBytes });
    else if (found === 'bzip2') {
      const Bunzip = loadCodec('seek-bzip') as typeof import('seek-bzip').default;
      out = Bunzip.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), undefined, true);
      if (out.length > maxBytes) throw new CompressedFileError(overLimit(maxBytes));
    } else out = await unxz(bytes, maxBytes);
  } catch (e) {
    if (e instanceof CompressedFileError) throw new CompressedFileError(`cannot decompress this ${found} file: ${e.message}`);
    const msg = (e as Error)?.message ?? String(e);
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength/i.test(msg)) {
      throw new CompressedFileError(`cannot decompress this ${found} file: ${overLimit(maxBytes)}`);
    }
    throw new CompressedFileError(`cannot decompress this ${found} file: it is damaged or truncated (${msg})`);
  }
  return { bytes: out, compression: found, name: innerName(name, found) };
}

/**
 * Why bytes cannot be read as text: they hold a NUL, which no text file does (an executable, an
 * image); null when they can. Every reader that takes a file as text asks this first, so a binary
 * file is said to be one, not a syntax error of the format its name claims.
 */
export function notText(bytes: Uint8Array): string | null {
  return bytes.includes(0) ? 'is a binary file, not text' : null;
}

/** Bytes as text (UTF-8; a leading byte-order mark is kept for the reader to drop). */
export function bytesToText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
