/** The median of `repeats` timings of f, seconds, and f's last result. */
export async function medianSeconds<T>(repeats: number, f: () => T | Promise<T>): Promise<[number, T]> {
  const t: number[] = [];
  let out!: T;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    out = await f();
    t.push((performance.now() - start) / 1000);
  }
  return [t.sort((a, b) => a - b)[Math.floor(t.length / 2)], out];
}
