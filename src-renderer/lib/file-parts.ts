/**
 * A file that comes in parts (a long trajectory: simulations.exportTrajectory), kept as bytes, never as
 * one string: each part appended, and bytes of the parts before written over where a part says (a
 * `.traj`'s header count and offset table), then given as one Blob. No DOM: the core's tests assemble
 * parts with it as the app does.
 */
export class FileParts {
  private readonly parts: Uint8Array<ArrayBuffer>[] = [];
  /** Bytes so far. */
  length = 0;

  append(part: string | Uint8Array<ArrayBuffer>): void {
    const bytes = typeof part === 'string' ? new TextEncoder().encode(part) : part;
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  /** Writes `bytes` over the file's bytes from position `at` (within the parts so far). */
  writeAt(at: number, bytes: Uint8Array): void {
    if (at < 0 || at + bytes.length > this.length) throw new RangeError(`bytes ${at} to ${at + bytes.length} are not in the ${this.length} bytes received`);
    let start = 0;
    for (const part of this.parts) {
      const end = start + part.length;
      if (end > at && start < at + bytes.length) {
        const from = Math.max(at, start);
        part.set(bytes.subarray(from - at, Math.min(end, at + bytes.length) - at), from - start);
      }
      start = end;
    }
  }

  /** The file, of MIME type `type`. */
  blob(type: string): Blob {
    return new Blob(this.parts, { type });
  }
}
