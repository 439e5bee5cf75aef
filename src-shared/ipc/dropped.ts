/** Files the user dropped, as they cross the contract. */
import { z } from 'zod';

/**
 * A dropped file: its text, or its bytes as base64 when it is binary (gzip, bzip2 or xz compressed,
 * an ASE database).
 */
export const droppedFile = z.union([
  z.object({ name: z.string().min(1).max(4096), text: z.string() }).strict(),
  z.object({ name: z.string().min(1).max(4096), base64: z.string() }).strict(),
]);

export type DroppedFile = z.infer<typeof droppedFile>;
