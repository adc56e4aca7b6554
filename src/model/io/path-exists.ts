import { access } from 'node:fs/promises';

/** True when `path` exists (file or folder) and can be reached; false for any error, e.g. ENOENT. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
