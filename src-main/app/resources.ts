/**
 * Files shipped with the app (resources/): example structures, the CGCNN atom
 * embedding, built-in models. Both the TypeScript sources (src-main/app/) and the
 * bundles (out/main/) sit two levels below the project root.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const RESOURCES_DIR = fileURLToPath(new URL('../../resources/', import.meta.url));

export function resourcePath(...parts: string[]): string {
  return join(RESOURCES_DIR, ...parts);
}
