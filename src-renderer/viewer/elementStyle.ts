/** Per-atom colours (VESTA's or Jmol's scheme) and covalent radii from the shared element table. */
import { DEFAULT_ELEMENT_COLOR, elementInfo, elementSymbol } from '../../src-shared/chem/elements';
import { VESTA_COLORS } from '../../src-shared/chem/colors.data';

/**
 * Element colour schemes. VESTA's is the default: it tells neighbours apart that Jmol's nearly
 * confuses (Ag #C0C0C0 and Al #81B2D6 in VESTA; #C0C0C0 and #BFA6A6 in Jmol).
 */
export type ColorScheme = 'vesta' | 'jmol';
export const DEFAULT_COLOR_SCHEME: ColorScheme = 'vesta';

/** Covalent radius used when the table has none (heavy elements, dummy atoms), Å. */
export const FALLBACK_RADIUS = 1.5;

/** `#RRGGBB` to [r, g, b] in 0..1. */
export function hexToRgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.replace('#', ''), 16);
  return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
}

export function elementColorHex(z: number, scheme: ColorScheme = DEFAULT_COLOR_SCHEME): string {
  const info = elementInfo(z);
  if (scheme === 'vesta' && info && VESTA_COLORS[info.symbol]) return VESTA_COLORS[info.symbol];
  return info?.color ?? DEFAULT_ELEMENT_COLOR;
}

export function covalentRadius(z: number): number {
  return elementInfo(z)?.covalentRadius ?? FALLBACK_RADIUS;
}

export { elementSymbol };

/** Colours for atomic numbers, 3 floats (linear 0..1 sRGB components) per atom. */
export function atomColors(numbers: ArrayLike<number>, scheme: ColorScheme = DEFAULT_COLOR_SCHEME): Float32Array {
  const out = new Float32Array(numbers.length * 3);
  const cache = new Map<number, [number, number, number]>();
  for (let i = 0; i < numbers.length; i++) {
    const z = numbers[i];
    let c = cache.get(z);
    if (!c) cache.set(z, (c = hexToRgb(elementColorHex(z, scheme))));
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
