/** Small text helpers shared by the command line and the renderer. */

/** "1 site", "2 sites", "1,234 structures": a count with its noun, singular for exactly one. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : nouns}`;
}

/** "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "102nd": an ordinal number. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
