/** Small text helpers shared by the command line and the renderer. */

/** "1 site", "2 sites", "1,234 structures": a count with its noun, singular for exactly one. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : nouns}`;
}
