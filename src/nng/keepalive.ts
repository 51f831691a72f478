/**
 * NNG completions arrive through thread-safe JSCallbacks, which do not keep Bun's event loop
 * alive: a script awaiting a reply, or a listening server, would simply exit. While anything
 * holds the process, one long ref'd timer keeps it running; it costs nothing while idle.
 */
let holders = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export function holdProcess(): () => void {
  holders++;
  timer ??= setInterval(() => {}, 1 << 30);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders--;
    if (holders === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
