/** A page: renders into `root`, answers how to stop its timers when the route changes. */
export type Page = (root: HTMLElement, params: readonly string[]) => () => void;

/** Goes to a hash route (`/flows/kyc`). */
export function navigate(path: string): void {
  location.hash = `#${path}`;
}

/** Routes by `location.hash`: the first pattern that matches renders; its groups are the params. */
export function startRouter(root: HTMLElement, routes: readonly (readonly [RegExp, Page])[]): void {
  let stop: () => void = () => undefined;
  const render = (): void => {
    stop();
    root.replaceChildren();
    const path = location.hash.replace(/^#/, '') || '/';
    for (const [pattern, page] of routes) {
      const match = pattern.exec(path);
      if (match === null) continue;
      stop = page(
        root,
        match.slice(1).map((part) => decodeURIComponent(part)),
      );
      return;
    }
    root.textContent = `No page at ${path}.`;
    stop = () => undefined;
  };
  window.addEventListener('hashchange', render);
  render();
}

/** Calls `tick` now and then every `ms` until stopped; a tick never overlaps the previous one. */
export function every(ms: number, tick: () => Promise<boolean | void>): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async (): Promise<void> => {
    const again = await tick().catch(() => true);
    if (!stopped && again !== false) timer = setTimeout(() => void run(), ms);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
