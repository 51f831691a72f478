/**
 * NNG completions arrive through thread-safe JSCallbacks, which do not keep Bun's event loop
 * alive: a script awaiting a reply, or a listening server, would simply exit. While anything
 * holds the process, one long timer is ref'd; it costs nothing while idle. Holds come and go
 * with every request (a socket holds while operations are outstanding), so they only toggle
 * the timer's ref (~20 ns) instead of creating and clearing a timer (~190 ns).
 */
let holders = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export function holdProcess(): () => void {
  if (holders++ === 0) (timer ??= setInterval(() => {}, 1 << 30)).ref();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) timer?.unref();
  };
}
