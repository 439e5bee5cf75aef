/**
 * pymatgen's order of elements and sites (2022.11, what CGCNN's published predictions used):
 * `Site.__lt__` compares the electronegativity (pymatgen's `Element.X`, Pauling), then the species
 * string (the element's symbol for an ordered site), and Python's `sorted` keeps equal sites in
 * their order. Formulas list elements so (./formula), and `CifParser` returns a CIF's sites so
 * (`get_sorted_structure`): the site CGCNN pads its graphs with is the first of that order.
 */
import { elementInfo, elementSymbol } from './elements';

/** Pauling electronegativity, NaN where it is not defined (He, Ne, Ar, Z > 103), as pymatgen's Element.X. */
export function electronegativityOf(z: number): number {
  return elementInfo(z)?.electronegativity ?? Number.NaN;
}

/** `Site.__lt__` of two elements: [X, symbol] compared as Python compares them (a NaN X compares false both ways, the symbols decide). */
export function electronegativityBefore(za: number, zb: number): boolean {
  const xa = electronegativityOf(za);
  const xb = electronegativityOf(zb);
  if (xa < xb) return true;
  if (xa > xb) return false;
  return elementSymbol(za) < elementSymbol(zb);
}

/**
 * Python's `sorted` for short lists (binary insertion sort after the first run, CPython 3.11's
 * listsort below 64 items), so that elements without an electronegativity (NaN keys, which compare
 * false both ways and make the order intransitive) land where pymatgen puts them.
 */
export function pythonSorted<T>(items: readonly T[], lt: (a: T, b: T) => boolean): T[] {
  const a = [...items];
  const n = a.length;
  if (n < 2) return a;
  let run = 2;
  if (lt(a[1], a[0])) {
    while (run < n && lt(a[run], a[run - 1])) run++;
    a.splice(0, run, ...a.slice(0, run).reverse());
  } else {
    while (run < n && !lt(a[run], a[run - 1])) run++;
  }
  for (let start = run; start < n; start++) {
    const pivot = a[start];
    let l = 0;
    let r = start;
    while (l < r) {
      const p = l + ((r - l) >> 1);
      if (lt(pivot, a[p])) r = p;
      else l = p + 1;
    }
    a.splice(start, 1);
    a.splice(l, 0, pivot);
  }
  return a;
}

/** Below this many sites CPython sorts by `pythonSorted`'s insertion sort alone (listsort's MIN_MERGE). */
const INSERTION_SORTED = 64;

/**
 * The site (index into `numbers`, atomic numbers) that pymatgen's `get_sorted_structure` puts first:
 * the first site of the least electronegative element, the smaller symbol on a tie (Dy before Y,
 * both 1.22). With an element without an electronegativity beside others the order is intransitive
 * and the first site is where CPython's sort puts it: exactly so below 64 sites, beyond that
 * `pymatgenOrderExact` is false. 0 for no sites.
 */
export function pymatgenFirstSite(numbers: ArrayLike<number>): number {
  const n = numbers.length;
  if (hasIntransitiveOrder(numbers)) {
    return pythonSorted(Array.from({ length: n }, (_, i) => i), (a, b) => electronegativityBefore(numbers[a], numbers[b]))[0];
  }
  let first = 0;
  for (let i = 1; i < n; i++) if (electronegativityBefore(numbers[i], numbers[first])) first = i;
  return first;
}

/** Whether `pymatgenFirstSite` is the site CPython's sort puts first: false for 64 sites or more holding an element without an electronegativity beside others. */
export function pymatgenOrderExact(numbers: ArrayLike<number>): boolean {
  return numbers.length < INSERTION_SORTED || !hasIntransitiveOrder(numbers);
}

/** An element without an electronegativity beside another element. */
function hasIntransitiveOrder(numbers: ArrayLike<number>): boolean {
  let nan = false;
  let mixed = false;
  for (let i = 0; i < numbers.length; i++) {
    if (Number.isNaN(electronegativityOf(numbers[i]))) nan = true;
    if (numbers[i] !== numbers[0]) mixed = true;
  }
  return nan && mixed;
}
