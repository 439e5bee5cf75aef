/** vasprun.xml files for tests of damaged rows. */
const varray = (name: string, rows: string[]) => [`   <varray name="${name}" >`, ...rows.map((r) => `    <v>${r}</v>`), '   </varray>'];

/** A vasprun.xml of one ionic step of Cu₂, written line for line as VASP 5.4 prints it, with rows given by the test (to damage one). */
export function vasprun(rows: { basis?: string[]; positions?: string[]; forces?: string[]; stress?: string[] } = {}): string {
  const basis = rows.basis ?? ['  3.6 0.0 0.0 ', '  0.0 3.6 0.0 ', '  0.0 0.0 3.6 '];
  const positions = rows.positions ?? ['  0.0 0.0 0.0 ', '  0.5 0.5 0.0 '];
  return [
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<modeling>',
    ' <atominfo>',
    '  <atoms>       2 </atoms>',
    '  <array name="atoms" >',
    '   <set>',
    '    <rc><c>Cu</c><c>   1</c></rc>',
    '    <rc><c>Cu</c><c>   1</c></rc>',
    '   </set>',
    '  </array>',
    ' </atominfo>',
    ' <calculation>',
    '  <scstep>',
    '   <energy>',
    '    <i name="e_fr_energy">     -7.10000000 </i>',
    '    <i name="e_0_energy">     -7.09000000 </i>',
    '   </energy>',
    '  </scstep>',
    '  <structure>',
    '   <crystal>',
    ...varray('basis', basis),
    '   </crystal>',
    ...varray('positions', positions),
    '  </structure>',
    ...varray('forces', rows.forces ?? ['  0.1 0.2 0.3 ', ' -0.1 -0.2 -0.3 ']),
    ...varray('stress', rows.stress ?? ['  1.0 0.0 0.0 ', '  0.0 2.0 0.0 ', '  0.0 0.0 3.0 ']),
    '  <energy>',
    '   <i name="e_fr_energy">     -7.10000000 </i>',
    '   <i name="e_0_energy">     -7.09000000 </i>',
    '  </energy>',
    ' </calculation>',
    '</modeling>',
    '',
  ].join('\n');
}
