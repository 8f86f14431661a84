/**
 * A name made safe for a folder: "My run: v2!" → "my-run-v2" (accents dropped, lower case,
 * runs of other characters become one "-", at most 40 characters; "run" when nothing is left).
 * Run ids (services) and the wizard's suggested output folder use the same rule.
 */
export function slug(name: string | undefined): string {
  const s = (name ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return s || 'run';
}
