/** Structures for the simulation service tests, as files the app imports. */

/** fcc copper (a = 3.6 Å), the conventional cell repeated rep × rep × rep, as a POSCAR; `shift` moves atom 0 along x. */
export function copperPoscar(rep: number, shift = 0, element = 'Cu'): string {
  const a = 3.6;
  const basis = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  const lines: string[] = [];
  for (let i = 0; i < rep; i++) for (let j = 0; j < rep; j++) for (let k = 0; k < rep; k++) for (const b of basis) lines.push([(i + b[0]) / rep, (j + b[1]) / rep, (k + b[2]) / rep].map((x) => x.toFixed(8)).join(' '));
  if (shift) lines[0] = [Number(lines[0].split(' ')[0]) + shift / (a * rep), 0, 0].map((x) => x.toFixed(8)).join(' ');
  const L = (a * rep).toFixed(6);
  return [`${element} fcc`, '1.0', `${L} 0 0`, `0 ${L} 0`, `0 0 ${L}`, element, String(lines.length), 'Direct', ...lines].join('\n') + '\n';
}
