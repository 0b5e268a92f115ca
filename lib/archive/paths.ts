import { posix } from 'node:path';
import { ArchiveError } from '../errors.js';

/**
 * Normalises a path named by the archive (an entry name, or a path inside manifest.json):
 * drops `./` and empty components. Absolute names and `..` components are refused, as
 * the engine's own loader refuses them (moby image/tarexport safePath).
 */
export function archivePath(name: string): string {
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) {
    throw new ArchiveError('unsafe-path', `absolute path "${name}" in image archive`, { name });
  }
  const parts = name.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new ArchiveError('unsafe-path', `path "${name}" in image archive leaves the archive`, {
      name,
    });
  }
  if (parts.length === 0) {
    throw new ArchiveError('unsafe-path', `empty path "${name}" in image archive`, { name });
  }
  return parts.join('/');
}

/** `.`, `./`: the archive's root directory, which tars of a folder (`tar -C dir -c .`) list first. */
export function isArchiveRoot(name: string): boolean {
  return /^(\.\/*)+$/.test(name);
}

/**
 * Where a link entry points, as an archive path. A symlink target is relative to the
 * link's folder (docker save writes `<id>/layer.tar -> ../<other>/layer.tar` for a diffID
 * it has already written); a hardlink target is relative to the archive root. A target
 * that is absolute or resolves outside the archive is refused.
 */
export function linkTarget(entry: string, linkname: string, kind: 'symlink' | 'link'): string {
  const refuse = (): never => {
    throw new ArchiveError(
      'unsafe-link',
      `link "${entry}" -> "${linkname}" points outside the image archive`,
      { entry, linkname },
    );
  };
  if (linkname.startsWith('/') || linkname === '') refuse();
  const base = kind === 'symlink' ? posix.dirname(entry) : '.';
  const joined = posix.normalize(posix.join(base, linkname));
  if (joined === '..' || joined.startsWith('../') || joined === '.') refuse();
  return joined;
}
