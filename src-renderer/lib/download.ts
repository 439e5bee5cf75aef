/**
 * Saving a file the core made (an export, a table): the browser's download, which the desktop app
 * turns into its save dialog. Text, or bytes for a binary file (an ASE `.traj`, sent as base64).
 */

/**
 * The type a file named `fileName` is offered as: text as text/plain unless its name has no extension
 * (phonopy's FORCE_CONSTANTS, a POSCAR): the browser would add `.txt` to it, and a program that reads
 * the file by its name would not find it.
 */
export function fileType(fileName: string, text: boolean): string {
  return text && /\.[^./\\]+$/.test(fileName) ? 'text/plain' : 'application/octet-stream';
}

/** Offers `content` as a file named `fileName`: text, bytes, or a file assembled from parts (`FileParts`). */
export function downloadFile(fileName: string, content: string | Uint8Array<ArrayBuffer> | Blob, type = fileType(fileName, typeof content === 'string')): void {
  const url = URL.createObjectURL(content instanceof Blob ? content : new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Base64 as bytes. */
export function fromBase64(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

