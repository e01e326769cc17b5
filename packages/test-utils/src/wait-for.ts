/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** @defaultValue 10 000 */
  readonly timeoutMs?: number;
  /** @defaultValue 25 */
  readonly intervalMs?: number;
  /** Message of the error thrown on timeout. */
  readonly message?: string;
}

/** Polls `check` until it answers true; throws when `timeoutMs` passes first. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(options.message ?? 'waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
