// Whether the CLI can write a file it was asked to (--results, --output), told before any work begins.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Why `file` cannot be written, in words; null when it can (nothing is made or changed). */
export async function whyNotWritable(file: string): Promise<string | null> {
  const folderPath = dirname(resolve(file));
  const [found, folder] = await Promise.all([file, folderPath].map((path) => stat(path).catch(() => null)));
  if (found?.isDirectory()) return 'it is a folder';
  if (!folder) return 'its folder does not exist';
  if (!folder.isDirectory()) return `${folderPath} is a file, not a folder`;
  return access(found ? file : folderPath, constants.W_OK).then(
    () => null,
    () => 'permission denied',
  );
}
