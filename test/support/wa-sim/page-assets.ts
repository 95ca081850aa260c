// Locates and loads the browser-side files in ./page/. They are plain HTML/JS that tsc does not copy to
// dist/, so when running from dist/test/support/wa-sim/ they are read from the source tree.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface PageAssets {
  readonly indexHtml: string;
  readonly script: string;
}

const CANDIDATE_DIRS = [
  new URL('./page/', import.meta.url), // running from the source tree
  new URL('../../../../test/support/wa-sim/page/', import.meta.url), // running from dist/test/support/wa-sim/
];

export function pageDir(): string {
  for (const dir of CANDIDATE_DIRS) {
    if (existsSync(new URL('wa-web.js', dir))) return fileURLToPath(dir);
  }
  throw new Error(
    `wa-sim: page assets not found; looked in ${CANDIDATE_DIRS.map((d) => fileURLToPath(d)).join(', ')}`,
  );
}

export async function loadPageAssets(): Promise<PageAssets> {
  const dir = pageDir();
  const [indexHtml, script] = await Promise.all([
    readFile(`${dir}index.html`, 'utf8'),
    readFile(`${dir}wa-web.js`, 'utf8'),
  ]);
  return { indexHtml, script };
}
