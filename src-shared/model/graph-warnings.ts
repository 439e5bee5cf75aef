/**
 * What a crystal graph made of the structure where it is not the structure itself: partially
 * occupied sites taken as whole atoms, neighbour shells of different elements that a cap on the
 * neighbours splits by a tie-break, and under CGCNN's rule (padded) atoms padded with made-up
 * neighbours. One sentence per reason, sites numbered from 0; read by `latticework predict` and the
 * app's predictions beside the training-domain warnings (./domain), and by `latticework graph` and
 * the Graph view.
 */
import type { NeighborList, SplitShell } from '../graph/neighbors';
import { pymatgenOrderExact } from '../chem/site-order';
import { listOf } from './domain';

/** What the warnings need of a structure (a `Structure` is one). */
export interface GraphWarningStructure {
  numbers: ArrayLike<number>;
  species: readonly string[];
  occupancy: ArrayLike<number>;
}

/** Sites listed by name in a sentence before "… (N in all)". */
const SITES_SHOWN = 6;
/** Kinds of split shells described one sentence each; the rest are counted in one more. */
const SHELLS_SHOWN = 3;

/** Indices ascending as ranges: "0–3, 8, 10". */
function siteRanges(sites: number[]): string {
  const parts: string[] = [];
  for (let a = 0; a < sites.length; ) {
    let b = a;
    while (b + 1 < sites.length && sites[b + 1] === sites[b] + 1) b++;
    parts.push(b > a ? `${sites[a]}–${sites[b]}` : String(sites[a]));
    a = b + 1;
  }
  return parts.length <= SITES_SHOWN ? parts.join(', ') : `${parts.slice(0, SITES_SHOWN).join(', ')} … (${sites.length} in all)`;
}

const sitesWord = (sites: number[]): string => (sites.length === 1 ? 'site' : 'sites');

export function graphWarnings(s: GraphWarningStructure, g: NeighborList): string[] {
  const out: string[] = [];
  const disorder = disorderWarning(s);
  if (disorder) out.push(disorder);
  if (g.maxNeighbors === null) return out;
  if (g.padding === 'cgcnn') {
    const padded = paddingWarning(s, g, g.maxNeighbors);
    if (padded) out.push(padded);
  }
  // (a disordered structure's graph is not the structure already, and CGCNN reads none: which of its equal distances are kept is moot)
  if (!disorder) out.push(...splitShellWarnings(s, g.splitShells ?? [], g.maxNeighbors, g.padding === 'cgcnn'));
  return out;
}

function disorderWarning(s: GraphWarningStructure): string | null {
  const sites: number[] = [];
  const occupants: string[] = [];
  for (let i = 0; i < s.numbers.length; i++) {
    if (s.occupancy[i] >= 1 - 1e-6) continue;
    sites.push(i);
    const o = `${s.species[i]} ${Number(s.occupancy[i].toPrecision(4))}`;
    if (!occupants.includes(o)) occupants.push(o);
  }
  if (!sites.length) return null;
  return (
    `${sitesWord(sites)} ${siteRanges(sites)} ${sites.length === 1 ? 'is' : 'are'} partially occupied (${listOf(occupants, SITES_SHOWN)}): ` +
    'the graph takes each as a whole atom (sites sharing a position are neighbours 0 Å apart), not a mixture of its occupants (CGCNN cannot read such a file)'
  );
}

function paddingWarning(s: GraphWarningStructure, g: NeighborList, k: number): string | null {
  const sites: number[] = [];
  for (let i = 0; i < g.nNodes; i++) if (g.nWithinCutoff[i] < k) sites.push(i);
  if (!sites.length) return null;
  const shown = sites.slice(0, SITES_SHOWN).map((i) => `site ${i} (${s.species[i]}) with ${g.nWithinCutoff[i]}`);
  const more = sites.length > SITES_SHOWN ? ` … (${sites.length} in all)` : '';
  const which = sites.length === 1 ? '1 site has' : `${sites.length} sites have`;
  const pad = g.padSite!;
  const unsure = pymatgenOrderExact(s.numbers)
    ? ''
    : `; with an element pymatgen has no electronegativity for among ${g.nNodes} sites, pymatgen's sort may put another site first`;
  return (
    `${which} fewer than ${k} neighbours within ${g.cutoff} Å (${shown.join(', ')}${more}): the graph pads ${sites.length === 1 ? 'it' : 'each'} to ${k} ` +
    `with site ${pad} (${s.species[pad]}) at ${g.cutoff + 1} Å, the site CGCNN reads first (pymatgen sorts the sites by electronegativity), ` +
    `as CGCNN does where it prints "not find enough neighbors to build graph"${unsure}`
  );
}

function splitShellWarnings(s: GraphWarningStructure, shells: SplitShell[], k: number, cgcnn: boolean): string[] {
  // shells of more than one element, grouped by what the sentence says
  const groups = new Map<string, { sites: number[]; text: string }>();
  for (const sh of shells) {
    const zs = new Set<number>();
    const names: string[] = [];
    for (const j of sh.neighbors) {
      if (zs.has(s.numbers[j])) continue;
      zs.add(s.numbers[j]);
      names.push(s.species[j]);
    }
    if (zs.size < 2) continue;
    names.sort();
    const text =
      `the ${k}-neighbour cut at ${sh.distance.toFixed(3)} Å splits ${sh.neighbors.length} equidistant neighbours of ` +
      `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}: the graph keeps ${sh.kept}`;
    const key = `${s.species[sh.center]}|${text}`;
    const group = groups.get(key);
    if (group) group.sites.push(sh.center);
    else groups.set(key, { sites: [sh.center], text });
  }
  const list = [...groups.values()];
  const consequence = cgcnn
    ? 'CGCNN keeps whichever its rounding at 1e-16 Å lists first, which differs between machines: it may keep others, and predict differently'
    : 'the same structure with its sites in another order keeps others, and may predict differently';
  const out = list.slice(0, SHELLS_SHOWN).map(
    ({ sites, text }) => `${sitesWord(sites)} ${siteRanges(sites)} (${s.species[sites[0]]}): ${text}, the lower site numbers; ${consequence}`,
  );
  if (list.length > SHELLS_SHOWN) {
    const rest = list.slice(SHELLS_SHOWN).reduce((n, x) => n + x.sites.length, 0);
    out.push(`${rest} more ${rest === 1 ? 'site has its' : 'sites have their'} ${k}-neighbour cut split a shell of equidistant neighbours of different elements likewise`);
  }
  return out;
}
