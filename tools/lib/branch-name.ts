const MAX_LENGTH = 60;

/**
 * A git branch name from free text: lower case, `[a-z0-9._/-]` only, no `..`, no leading `-` or `.`, no
 * `.lock` ending, no empty path parts, at most 60 characters. Returns '' when nothing usable is left.
 */
export function sanitizeBranchName(text: string): string {
  const parts = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split('/')
    .map((part) =>
      part
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/\.{2,}/g, '.')
        .replace(/-{2,}/g, '-')
        .replace(/^[-.]+|[-.]+$/g, '')
        .replace(/\.lock$/, ''),
    )
    .filter(Boolean);
  return parts
    .join('/')
    .slice(0, MAX_LENGTH)
    .replace(/[-./]+$/, '');
}
