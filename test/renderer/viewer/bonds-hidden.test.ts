/**
 * A structure of more than BOND_AUTO_LIMIT atoms opens with its bonds hidden, and the view says so
 * (`bondsHiddenFor`, shown under Show bonds): a 48,668-atom structure had opened with them silently
 * off. Turning bonds on ends the notice; a small structure opens with bonds and no notice.
 */
import { describe, expect, it } from 'vitest';
import { createSSRApp, effectScope, h, nextTick, ref, shallowRef } from 'vue';
import { renderToString } from '@vue/server-renderer';
import ViewerControls from '../../../src-renderer/components/structure/ViewerControls.vue';
import { BOND_AUTO_LIMIT, DEFAULT_VIEWER_OPTIONS, useStructureView } from '../../../src-renderer/composables/useStructureView';
import type { CrystalScene, HoverHit } from '../../../src-renderer/viewer/CrystalScene';
import type { ViewerStructure } from '../../../src-renderer/viewer/model';

/** `n` argon atoms on a 4 Å grid, no cell. */
function atoms(n: number): ViewerStructure {
  const side = Math.ceil(Math.cbrt(n));
  const cart: number[] = [];
  for (let i = 0; i < n; i++) cart.push(4 * (i % side), 4 * (Math.floor(i / side) % side), 4 * Math.floor(i / side / side));
  return { lattice: null, pbc: [false, false, false], numbers: new Array<number>(n).fill(18), cart, frac: null };
}

describe('bonds hidden for a large structure', () => {
  it('opens a structure of more than 20,000 atoms with bonds off and says for how many atoms, until bonds are turned on', async () => {
    const structure = shallowRef<ViewerStructure | null>(atoms(8));
    const scope = effectScope();
    const view = scope.run(() => useStructureView(structure, shallowRef<CrystalScene | null>(null), ref<HoverHit | null>(null)))!;
    expect(view.options.showBonds).toBe(true);
    expect(view.bondsHiddenFor.value).toBeNull();

    structure.value = atoms(BOND_AUTO_LIMIT + 1);
    await nextTick();
    expect(view.options.showBonds).toBe(false);
    expect(view.bondsHiddenFor.value).toBe(20001);

    view.options.showBonds = true;
    await nextTick();
    expect(view.bondsHiddenFor.value).toBeNull();

    structure.value = atoms(BOND_AUTO_LIMIT);
    await nextTick();
    expect(view.options.showBonds).toBe(true);
    expect(view.bondsHiddenFor.value).toBeNull();
    scope.stop();
  });

  it('says under Show bonds why they are off and how to turn them on', async () => {
    const controls = (bondsHiddenFor: number | null) =>
      renderToString(
        createSSRApp({
          render: () =>
            h(ViewerControls, {
              options: { ...DEFAULT_VIEWER_OPTIONS, showBonds: bondsHiddenFor === null },
              bondRules: {},
              periodic: true,
              maxRepeat: 1,
              atomCount: 51912,
              bondCount: 292008,
              bondsHiddenFor,
              hasMovementFlags: false,
              polyhedronCount: null,
              exporting: false,
              exportError: null,
              disabled: false,
            }),
        }),
      );
    const text = (await controls(48668)).replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
    expect(text).toContain('Bonds hidden: the structure has 48,668 atoms (more than 20,000). Turn them on with Show bonds (slow to draw).');
    expect(await controls(null)).not.toContain('viewer-bonds-hidden');
  });
});
