// Asking the back end again and again while something is in flight (a pending linking, a payment awaiting its
// result): the next round starts `ms` after the previous one finished.

/** Runs `work` every `ms` until the returned stop is called (e.g. as an `$effect`'s cleanup). */
export function repeatEvery(ms: number, work: () => Promise<void>): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout>;
  const tick = async () => {
    await work();
    if (!stopped) timer = setTimeout(tick, ms);
  };
  timer = setTimeout(tick, ms);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
