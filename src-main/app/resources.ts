/**
 * Files shipped with the app (resources/): example structures and the built-in models. The one
 * place that says where they are: `LATTICEWORK_RESOURCES` when set (a packaged app points it at
 * its resources folder), else `resources/` of the checkout — both the TypeScript sources
 * (src-main/app/) and the bundles (out/main/) sit two levels below the project root.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHECKOUT_RESOURCES = fileURLToPath(new URL('../../resources/', import.meta.url));

/** The resources folder; an error naming it (and the variable) when it does not exist. */
export function resourcesDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.LATTICEWORK_RESOURCES ? resolve(env.LATTICEWORK_RESOURCES) : CHECKOUT_RESOURCES;
  if (!existsSync(dir)) {
    throw new Error(
      env.LATTICEWORK_RESOURCES ? `LATTICEWORK_RESOURCES names ${dir}, which does not exist` : `the resources folder ${dir} is missing (set LATTICEWORK_RESOURCES to where it is)`,
    );
  }
  return dir;
}

export function resourcePath(...parts: string[]): string {
  return join(resourcesDirectory(), ...parts);
}
