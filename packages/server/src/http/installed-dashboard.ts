import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The build directory of the installed `@dagflow/dashboard` package (a dependency of this one), or
 * undefined when it is missing or not built (as in a fresh clone before `pnpm build`).
 */
export function installedDashboardDir(): string | undefined {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve('@dagflow/dashboard/package.json');
  } catch {
    return undefined;
  }
  const dir = join(dirname(packageJson), 'dist');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}
