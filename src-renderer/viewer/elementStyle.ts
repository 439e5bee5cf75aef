/** Per-atom colours (Jmol) and covalent radii from the shared element table. */
import { DEFAULT_ELEMENT_COLOR, elementInfo, elementSymbol } from '../../src-shared/chem/elements';

/** Covalent radius used when the table has none (heavy elements, dummy atoms), Å. */
export const FALLBACK_RADIUS = 1.5;

/** `#RRGGBB` to [r, g, b] in 0..1. */
export function hexToRgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.replace('#', ''), 16);
  return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
}

export function elementColorHex(z: number): string {
  return elementInfo(z)?.color ?? DEFAULT_ELEMENT_COLOR;
}

export function covalentRadius(z: number): number {
  return elementInfo(z)?.covalentRadius ?? FALLBACK_RADIUS;
}

export { elementSymbol };

/** Colours for atomic numbers, 3 floats (linear 0..1 sRGB components) per atom. */
export function atomColors(numbers: ArrayLike<number>): Float32Array {
  const out = new Float32Array(numbers.length * 3);
  const cache = new Map<number, [number, number, number]>();
  for (let i = 0; i < numbers.length; i++) {
    const z = numbers[i];
    let c = cache.get(z);
    if (!c) cache.set(z, (c = hexToRgb(elementColorHex(z))));
    out[3 * i] = c[0];
    out[3 * i + 1] = c[1];
    out[3 * i + 2] = c[2];
  }
  return out;
}

/** Covalent radii (Å) for atomic numbers. */
export function atomRadii(numbers: ArrayLike<number>): Float32Array {
  const out = new Float32Array(numbers.length);
  for (let i = 0; i < numbers.length; i++) out[i] = covalentRadius(numbers[i]);
  return out;
}
