/**
 * Typed fields (the Graph view's max neighbours and atom, the structure view's supercell and bond lengths): the
 * user's text is kept until committed; a value it cannot take says why.
 */
import { describe, expect, it } from 'vitest';
import { nextTick, ref } from 'vue';
import { useCountField, useLengthField, useSiteField } from '../../../src-renderer/composables/useTypedField';
import { countInput, lengthInput, siteInput } from '../../../src-renderer/lib/inputs';

const typed = (value: string) => ({ target: { value } }) as unknown as Event;

describe('count fields', () => {
  it('keep what was typed while other data updates, commit it on change, and follow the value when it changes', async () => {
    const cap = ref(12);
    const committed: number[] = [];
    const f = useCountField(() => cap.value, () => ({ max: 1000, why: 'a reason' }), 'max neighbours', (v) => committed.push(v));
    expect(f.text.value).toBe('12');
    f.onInput(typed('4'));
    await nextTick();
    expect(f.text.value).toBe('4');
    f.onChange();
    expect(committed).toEqual([4]);
    cap.value = 4;
    await nextTick();
    expect(f.text.value).toBe('4');
    // a count it cannot take: the text stays, the reason is said, nothing is committed
    f.onInput(typed('1001'));
    f.onChange();
    expect(f.text.value).toBe('1001');
    expect(f.error.value).toBe('max neighbours: at most 1000 here (a reason)');
    expect(committed).toEqual([4]);
    // set elsewhere (No cap ticked and unticked): the field shows it, the error goes
    cap.value = 12;
    await nextTick();
    expect([f.text.value, f.error.value]).toEqual(['12', null]);
  });

  it('read a whole number from 1 to the maximum, or say why not, with the reason of the maximum', () => {
    const limit = { max: 10, why: 'the supercell is kept under 200,000 displayed atoms' };
    expect(countInput('3', limit, 'supercell along a')).toEqual({ value: 3 });
    expect(countInput('11', limit, 'supercell along a')).toEqual({ error: 'supercell along a: at most 10 here (the supercell is kept under 200,000 displayed atoms)' });
    expect(countInput('0', limit, 'supercell along a')).toEqual({ error: 'supercell along a: at least 1' });
    expect(countInput('2.5', limit, 'supercell along a')).toEqual({ error: 'supercell along a: 2.5 is not a whole number (1 to 10)' });
    expect(countInput(' ', limit, 'supercell along a')).toEqual({ error: 'supercell along a: enter a whole number from 1 to 10' });
  });

  it('keep a supercell typed along b while the view redraws for a supercell along a, and show the structure\'s supercell again for another structure', async () => {
    // the structure view's three supercell fields, as ViewerControls makes them
    const repeats = ref<[number, number, number]>([1, 1, 1]);
    const maxRepeat = ref(10);
    const fields = ([0, 1, 2] as const).map((k) =>
      useCountField(
        () => repeats.value[k],
        () => ({ max: maxRepeat.value, why: 'the supercell is kept under 200,000 displayed atoms' }),
        `supercell along ${'abc'[k]}`,
        (v) => {
          const next: [number, number, number] = [...repeats.value];
          next[k] = v;
          repeats.value = next;
        },
      ),
    );
    const [a, b] = fields;
    a.onInput(typed('3'));
    b.onInput(typed('2')); // typed, not yet committed, while a's commit redraws the view
    a.onChange();
    await nextTick();
    expect(repeats.value).toEqual([3, 1, 1]);
    expect(fields.map((f) => f.text.value)).toEqual(['3', '2', '1']);
    b.onChange();
    expect(repeats.value).toEqual([3, 2, 1]);
    // too large for the structure: said, kept, not drawn; another structure shows its own supercell again
    b.onInput(typed('11'));
    b.onChange();
    expect(b.error.value).toBe('supercell along b: at most 10 here (the supercell is kept under 200,000 displayed atoms)');
    fields.forEach((f) => f.reset());
    expect(fields.map((f) => [f.text.value, f.error.value])).toEqual([['3', null], ['2', null], ['1', null]]);
  });

  it('keep a bond length typed through a redraw, take empty as automatic, and say why a length is none', async () => {
    const max = ref<number | null>(null);
    const committed: (number | null)[] = [];
    const f = useLengthField(() => max.value, 'Ti-O bond length', (v) => {
      committed.push(v);
      max.value = v;
    });
    expect(f.text.value).toBe('');
    f.onInput(typed('2.2'));
    await nextTick();
    expect(f.text.value).toBe('2.2');
    f.onChange();
    await nextTick();
    expect([committed, f.text.value]).toEqual([[2.2], '2.2']);
    f.onInput(typed('-1'));
    f.onChange();
    expect([f.text.value, f.error.value, committed]).toEqual(['-1', 'Ti-O bond length: -1 is no length; enter a length in Å greater than 0, or leave it empty for automatic', [2.2]]);
    f.onInput(typed(''));
    f.onChange();
    await nextTick();
    expect([f.text.value, f.error.value, committed]).toEqual(['', null, [2.2, null]]);
    expect(lengthInput('0', 'Ti-O bond length')).toEqual({ error: 'Ti-O bond length: 0 is no length; enter a length in Å greater than 0, or leave it empty for automatic' });
    expect(lengthInput(' 1.9 ', 'Ti-O bond length')).toEqual({ value: 1.9 });
  });

  it("choose the receptive field's atom by its index (0 to sites−1), an empty field none, and follow the atom clicked", async () => {
    expect(siteInput('3', 4)).toEqual({ value: 3 });
    expect(siteInput(' ', 4)).toEqual({ value: null });
    expect(siteInput('4', 4)).toEqual({ error: 'atom: 4 is not a site index (0 to 3)' });
    expect(siteInput('1.5', 4)).toEqual({ error: 'atom: 1.5 is not a site index (0 to 3)' });
    expect(siteInput('-1', 4)).toEqual({ error: 'atom: -1 is not a site index (0 to 3)' });
    expect(siteInput('0', 0)).toEqual({ error: 'atom: 0 is not a site index (none: choose a structure first)' });
    const site = ref<number | null>(null);
    const f = useSiteField(() => site.value, () => 9, (v) => (site.value = v));
    expect(f.text.value).toBe('');
    f.onInput(typed('2'));
    f.onChange();
    expect(site.value).toBe(2);
    site.value = 7; // clicked in the view
    await nextTick();
    expect(f.text.value).toBe('7');
    f.onInput(typed(''));
    f.onChange();
    expect(site.value).toBeNull();
  });
});
