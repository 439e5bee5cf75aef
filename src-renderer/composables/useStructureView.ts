/**
 * Connects a structure and the viewer options to a `CrystalScene`: display atoms
 * (supercell, boundary images), bonds (tolerance), radii (scale), the unit cell,
 * picking for measurements and what the hover tooltip shows. Fresh state per call
 * (one per viewer). Heavy steps are separate computeds so a slider only redoes its own.
 */
import { computed, reactive, ref, shallowRef, watch } from 'vue';
import type { Ref, ShallowRef } from 'vue';
import type { CrystalScene, HoverHit } from '../viewer/CrystalScene';
import { siteArrowData } from '../viewer/arrows';
import type { SiteArrows } from '../viewer/arrows';
import { atomData, atomInfo, atomLabels, bondsOf, buildDisplay, defaultBondRules, prepareStructure, scaled, stickData } from '../viewer/model';
import type { AtomInfo, AtomLabelKind, BondRule, DisplayModel, ViewerStructure } from '../viewer/model';
import { coordinationPolyhedra } from '../viewer/polyhedra';
import { DEFAULT_COLOR_SCHEME } from '../viewer/elementStyle';
import type { ColorScheme } from '../viewer/elementStyle';
import { angle, carriedPicks, distance, separation } from '../viewer/periodic';
import type { MeasurePoint } from '../viewer/periodic';

export interface ViewerOptions {
  radiusScale: number;
  bondTolerance: number;
  showBonds: boolean;
  /** Show half-bonds to atoms outside the displayed region. */
  bondStubs: boolean;
  showCell: boolean;
  boundaryAtoms: boolean;
  repeats: [number, number, number];
  /** Element colours: VESTA's (default) or Jmol's. */
  colorScheme: ColorScheme;
  /** The user's changes to the default bond rules, by element pair (`Ti-O`). */
  bondRules: Record<string, BondRule>;
  /** Keep the camera where it is when the supercell changes (else the view refits to show every atom). */
  keepCamera: boolean;
  /** Coordination polyhedra around the centres the bond rules connect to their ligands. */
  showPolyhedra: boolean;
  /** Labels on atoms: none, element symbols, or symbols with site indices. */
  labels: AtomLabelKind;
}

export const DEFAULT_VIEWER_OPTIONS: ViewerOptions = {
  radiusScale: 0.5,
  bondTolerance: 1.15,
  showBonds: true,
  // Bonds to atoms outside the drawn cell look like spikes on ionic crystals: off until asked for.
  bondStubs: false,
  showCell: true,
  boundaryAtoms: true,
  repeats: [1, 1, 1],
  colorScheme: DEFAULT_COLOR_SCHEME,
  bondRules: {},
  keepCamera: false,
  showPolyhedra: false,
  labels: 'none',
};

/** Labels are drawn for at most this many displayed atoms (beyond, they would cover the view). */
export const LABEL_LIMIT = 2000;

/** Up to this many sites the bond tolerance applies while the slider moves; above, when it rests. */
export const SMOOTH_SLIDER_LIMIT = 3000;

/** Above this many atoms in the structure (its sites, before any supercell) bonds start hidden; the view says so, and they can be turned on. */
export const BOND_AUTO_LIMIT = 20000;

export interface Measurement {
  kind: 'distance' | 'angle';
  labels: string[];
  /** Minimum-image value: Å for a distance, degrees for an angle (NaN when undefined). */
  value: number;
  /** The same between the atoms as drawn (the picked periodic images). */
  drawn: number;
  /** For an angle: the two minimum-image arm lengths (Å), and the same as drawn. */
  arms?: [number, number];
  drawnArms?: [number, number];
}

/**
 * `framesOf`: what the structure is a frame of (a trajectory, a run, an animated mode), or null: while it
 * stays the same, a new structure is the next frame and the camera stays where the user put it.
 */
export function useStructureView(
  structure: Ref<ViewerStructure | null> | ShallowRef<ViewerStructure | null>,
  scene: ShallowRef<CrystalScene | null>,
  hover: Ref<HoverHit | null>,
  framesOf: Ref<unknown> = ref(null),
) {
  const options = reactive<ViewerOptions>({ ...DEFAULT_VIEWER_OPTIONS, repeats: [1, 1, 1], bondRules: {} });
  const picks = ref<number[]>([]);
  /** Colours that replace the element colours (per display atom), e.g. receptive-field hops. */
  const colorOverride = shallowRef<Float32Array | null>(null);
  /** Named per-site vectors drawn as arrows on every displayed image (e.g. predicted and reference forces). */
  const arrows = shallowRef<Record<string, SiteArrows>>({});

  const prepared = computed(() => (structure.value ? prepareStructure(structure.value, options.colorScheme) : null));
  /**
   * The structure's atom count when its bonds started hidden because it has more than BOND_AUTO_LIMIT
   * (the view says so where bonds are turned on); null when they did not, or once the user turned them on.
   */
  const bondsHiddenFor = ref<number | null>(null);
  // A new structure: bonds start hidden when there are very many atoms (they can be turned on); its own bond rules.
  watch(
    structure,
    (st) => {
      const many = st !== null && st.numbers.length > BOND_AUTO_LIMIT;
      if (st) options.showBonds = !many;
      bondsHiddenFor.value = many ? st.numbers.length : null;
      options.bondRules = {};
    },
    { immediate: true },
  );
  watch(
    () => options.showBonds,
    (on) => {
      if (on) bondsHiddenFor.value = null;
    },
  );
  /** The bond rules of the structure's element pairs: defaults with the user's changes. */
  const bondRules = computed(() => (prepared.value ? { ...defaultBondRules(prepared.value.numbers), ...options.bondRules } : {}));
  const display = computed(() => {
    const p = prepared.value;
    if (!p) return null;
    return buildDisplay(p, [options.repeats[0], options.repeats[1], options.repeats[2]], options.boundaryAtoms);
  });
  // The tolerance slider re-bonds the structure: immediate for small structures, once the slider
  // rests for large ones (bonding 10,000 atoms takes a few hundred milliseconds).
  const tolerance = ref(options.bondTolerance);
  let toleranceTimer: ReturnType<typeof setTimeout> | null = null;
  watch(
    () => options.bondTolerance,
    (t) => {
      if (toleranceTimer) clearTimeout(toleranceTimer);
      toleranceTimer = null;
      if ((structure.value?.numbers.length ?? 0) <= SMOOTH_SLIDER_LIMIT) tolerance.value = t;
      else toleranceTimer = setTimeout(() => (tolerance.value = options.bondTolerance), 200);
    },
  );
  const bonds = computed(() => (prepared.value ? bondsOf(prepared.value, tolerance.value, options.bondRules) : null));
  const sticks = computed(() => {
    const p = prepared.value;
    const d = display.value;
    const b = bonds.value;
    if (!p || !d || !b || !options.showBonds) return null;
    return stickData(d, b, p.numbers.length, options.bondStubs);
  });

  const polyhedra = computed(() => {
    const p = prepared.value;
    const d = display.value;
    const b = bonds.value;
    return p && d && b && options.showPolyhedra ? coordinationPolyhedra(p, d, b) : null;
  });
  const labels = computed(() => {
    const p = prepared.value;
    const d = display.value;
    if (!p || !d || options.labels === 'none' || d.atoms.site.length > LABEL_LIMIT) return null;
    const texts = atomLabels(p, d, options.labels);
    if (options.labels !== 'held') return { positions: d.positions, texts };
    // movement flags label the held atoms only
    const kept = texts.flatMap((t, a) => (t ? [a] : []));
    return { positions: Float32Array.from(kept.flatMap((a) => [d.positions[3 * a], d.positions[3 * a + 1], d.positions[3 * a + 2]])), texts: kept.map((a) => texts[a]) };
  });

  const atomCount = computed(() => display.value?.atoms.site.length ?? 0);
  const bondCount = computed(() => (bonds.value ? bonds.value.center.length / 2 : 0));

  // Structure or display set changes: new atoms, new cell, reframe.
  let lastStructure: ViewerStructure | null = null;
  let lastFramesOf: unknown = null;
  let lastRepeats = '';
  let lastDisplay: DisplayModel | null = null;
  watch(
    [scene, display],
    ([s, d]) => {
      if (!s) return;
      const key = options.repeats.join('x');
      const nextFrame = lastStructure !== null && framesOf.value !== null && framesOf.value === lastFramesOf;
      // the measurement follows the same atoms from frame to frame of a trajectory (MD streaming in, the frame slider)
      // when the frames have the same atoms; anything else starts it again
      const sameAtoms = nextFrame && key === lastRepeats && lastStructure!.numbers.length === (structure.value?.numbers.length ?? -1);
      picks.value = d && lastDisplay && sameAtoms ? carriedPicks(picks.value, lastDisplay.atoms, d.atoms) : [];
      lastDisplay = d;
      if (!d) {
        s.setAtoms({ positions: new Float32Array(0), colors: new Float32Array(0), radii: new Float32Array(0) });
        s.setBonds(null);
        s.setCell(null);
        return;
      }
      s.setAtoms(atomData(d, options.radiusScale));
      if (colorOverride.value && colorOverride.value.length === d.colors.length) s.setAtomColors(colorOverride.value);
      s.setCell(prepared.value?.lattice ?? null, [...options.repeats], options.showCell);
      // A new structure refits, unless it is the next frame of the same trajectory; a new supercell refits unless the camera is kept.
      const newStructure = structure.value !== lastStructure && !nextFrame;
      if (newStructure || (key !== lastRepeats && !options.keepCamera)) s.resetView();
      lastStructure = structure.value;
      lastFramesOf = framesOf.value;
      lastRepeats = key;
    },
    { immediate: true },
  );
  watch(
    [scene, sticks],
    ([s, st]) => {
      if (s) s.setBonds(st ? st.sticks : null);
    },
    { immediate: true },
  );
  watch([scene, polyhedra], ([s, ph]) => s?.setPolyhedra(ph), { immediate: true });
  watch([scene, labels], ([s, l]) => s?.setLabels(l), { immediate: true });
  watch(
    () => options.radiusScale,
    (scale) => {
      const d = display.value;
      if (d && scene.value) scene.value.setAtomRadii(scaled(d.radii, scale));
    },
  );
  watch(
    () => options.showCell,
    (show) => scene.value?.setCell(prepared.value?.lattice ?? null, [...options.repeats], show),
  );
  watch(colorOverride, (c) => {
    const d = display.value;
    if (d && scene.value) scene.value.setAtomColors(c && c.length === d.colors.length ? c : d.colors);
  });
  watch(picks, (p) => scene.value?.setHighlighted(p), { deep: true });
  let arrowKeys: string[] = [];
  watch(
    [scene, display, arrows, () => options.radiusScale],
    ([s, d, sets, radiusScale]) => {
      if (!s) return;
      const n = structure.value?.numbers.length ?? 0;
      const shown = d ? Object.entries(sets).filter(([, a]) => a.vectors.length === 3 * n) : [];
      for (const key of arrowKeys) if (!shown.some(([k]) => k === key)) s.setArrows(key, null);
      if (d) {
        const radii = scaled(d.radii, radiusScale);
        for (const [key, a] of shown) s.setArrows(key, siteArrowData(d, radii, a));
      }
      arrowKeys = shown.map(([k]) => k);
    },
    { immediate: true },
  );

  /** Toggles an atom in the measurement selection; empty space clears it. A fourth pick starts again. */
  function pick(index: number | null): void {
    if (index === null) {
      picks.value = [];
      return;
    }
    const at = picks.value.indexOf(index);
    if (at >= 0) picks.value = picks.value.filter((i) => i !== index);
    else if (picks.value.length >= 3) picks.value = [index];
    else picks.value = [...picks.value, index];
  }

  function info(index: number): AtomInfo | null {
    const p = prepared.value;
    const d = display.value;
    return p && d ? atomInfo(p, d, index) : null;
  }

  const hovered = computed(() => (hover.value ? info(hover.value.index) : null));

  const measurement = computed<Measurement | null>(() => {
    const p = prepared.value;
    if (!p || picks.value.length < 2) return null;
    const infos = picks.value.map(info).filter((x): x is AtomInfo => x !== null);
    if (infos.length < 2) return null;
    const pts: MeasurePoint[] = infos.map((a) => ({ frac: a.frac, cart: a.cart }));
    const drawnPts: MeasurePoint[] = infos.map((a) => ({ frac: null, cart: a.cart }));
    const labels = infos.map((a) => `${a.symbol}${a.site}`);
    const len = (i: number, j: number) => {
      const v = separation(pts[i], pts[j], p.lattice, p.pbc);
      return Math.hypot(v[0], v[1], v[2]);
    };
    if (infos.length === 2) return { kind: 'distance', labels, value: len(0, 1), drawn: distance(drawnPts[0], drawnPts[1], null, p.pbc) };
    return {
      kind: 'angle',
      labels,
      value: angle(pts[0], pts[1], pts[2], p.lattice, p.pbc),
      drawn: angle(drawnPts[0], drawnPts[1], drawnPts[2], null, p.pbc),
      arms: [len(1, 0), len(1, 2)],
      drawnArms: [distance(drawnPts[1], drawnPts[0], null, p.pbc), distance(drawnPts[1], drawnPts[2], null, p.pbc)],
    };
  });

  return {
    options,
    bondRules,
    picks,
    pick,
    prepared,
    display,
    bonds,
    atomCount,
    bondCount,
    bondsHiddenFor,
    polyhedra,
    labels,
    hovered,
    measurement,
    colorOverride,
    arrows,
    info,
  };
}
