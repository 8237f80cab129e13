// Whether the CLI can write a file it was asked to (--results, --output), told before any work begins.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Why `file` cannot be written, in words; null when it can (nothing is made or changed). `besideIt`: a regular file
 * is written beside it first and renamed into place, so its folder must take a new file too.
 */
export async function whyNotWritable(file: string, { besideIt = false } = {}): Promise<string | null> {
  const folderPath = dirname(resolve(file));
  const [found, folder] = await Promise.all([file, folderPath].map((path) => stat(path).catch(() => null)));
  if (found?.isDirectory()) return 'it is a folder';
  if (!folder) return 'its folder does not exist';
  if (!folder.isDirectory()) return `${folderPath} is a file, not a folder`;
  const writable = (path: string) =>
    access(path, constants.W_OK).then(
      () => true,
      () => false,
    );
  if (found && !(await writable(file))) return 'permission denied';
  if ((!found || (besideIt && found.isFile())) && !(await writable(folderPath))) {
    return found
      ? `permission denied in ${folderPath}, where the file is written before it is renamed into place`
      : 'permission denied';
  }
  return null;
}
