/**
 * Where Latticework keeps its data. The desktop app uses Electron's userData
 * directory; browser mode and the command line use the platform's data
 * directory. The database file can be overridden with `--db PATH` or the
 * environment variable LATTICEWORK_DB.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const DATABASE_FILE = 'latticework.sqlite';

/** The platform's per-user data directory for Latticework (without Electron). */
export function platformDataDirectory(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.LATTICEWORK_DATA_DIR) return resolve(env.LATTICEWORK_DATA_DIR);
  const home = homedir();
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Latticework');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Latticework');
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'latticework');
}

/** The database path: `--db` first, then LATTICEWORK_DB, then the data directory's default file. */
export function resolveDatabasePath(
  dataDirectory: string,
  dbOption: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (dbOption) return resolve(dbOption);
  if (env.LATTICEWORK_DB) return resolve(env.LATTICEWORK_DB);
  return join(dataDirectory, DATABASE_FILE);
}

/** The database the command line and browser mode use: `--db`, else LATTICEWORK_DB, else the platform data directory's. */
export function databasePath(dbOption?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolveDatabasePath(platformDataDirectory(env), dbOption, env);
}

/**
 * The `--db PATH` a command needs to open the store at `path` (null: the data directory's own, which
 * it opens without one). The app names it where it says what to run on the command line.
 */
export function commandLineDatabase(path: string, env: NodeJS.ProcessEnv = process.env): string | null {
  return resolve(path) === join(platformDataDirectory(env), DATABASE_FILE) ? null : resolve(path);
}
