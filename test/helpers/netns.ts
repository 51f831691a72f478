import { startProcess, type Started } from "./processes.ts";

/**
 * Separate "hosts" for multi-host tests: each is a Linux network namespace with its own address,
 * joined by a veth pair to one bridge that lives in a namespace of its own. Nothing is added to
 * the root namespace (no link, no route, no address), so a test can only ever reach the
 * 10.213.X.0/24 addresses it made, and deleting the namespaces removes every link with them.
 * Needs root and `ip netns` (iproute2); without them `createHosts` throws, so the test fails.
 */
export interface Host {
  /** The namespace's name, e.g. `fastworker-test-1234-h1`. */
  readonly ns: string;
  /** This host's address on the test bridge, e.g. `10.213.210.1`. */
  readonly ip: string;
  /** The veth end on the bridge side (in the switch namespace); `cut()` takes it down. */
  readonly link: string;
  /** Starts `bun <args>` inside this host (`ip netns exec` execs bun, so the PID is bun's). */
  start: (args: string[], env?: Record<string, string>) => Started;
  /** Runs `bun <args>` inside this host to completion. */
  run: (args: string[], env?: Record<string, string>) => { code: number | null; out: string; err: string };
  /** Takes this host off the network (its link on the bridge goes down), and back on. */
  cut: () => void;
  reconnect: () => void;
}

export interface Hosts {
  readonly hosts: readonly Host[];
  /** Deletes every namespace this run made (and with them all links); safe to call twice. */
  remove: () => void;
}

const root = `${import.meta.dir}/../..`;

function ip(args: string[]): string {
  const run = Bun.spawnSync(["ip", ...args], { stdout: "pipe", stderr: "pipe" });
  if (!run.success) throw new Error(`ip ${args.join(" ")} failed (${run.exitCode}): ${run.stderr.toString().trim()}`);
  return run.stdout.toString();
}

/** Fails loudly (never skips): CI runs as root with iproute2, and a skip there would hide the tests. */
export function requireNetns(): void {
  if (process.getuid?.() !== 0) {
    throw new Error("test/multihost needs root (it creates network namespaces with `ip netns`); run the suite as root, as CI does");
  }
  const probe = Bun.spawnSync(["ip", "netns", "list"], { stdout: "pipe", stderr: "pipe" });
  if (!probe.success) throw new Error(`test/multihost needs \`ip netns\` (iproute2; bin/setup --for-tests installs it): ${probe.stderr.toString().trim()}`);
}

const NAME = /^fastworker-test-(\d+)-(?:sw|h\d+)\b/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means it exists but is not ours to signal: alive all the same.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Deletes namespaces a test run left behind when it was killed before its afterAll (SIGKILL,
 * a CI timeout): only ours by name, and only those whose run's PID is gone, never a live run's.
 */
function removeStale(): void {
  for (const line of ip(["netns", "list"]).split("\n")) {
    const match = NAME.exec(line);
    if (match && !alive(Number(match[1]))) ip(["netns", "del", line.split(" ")[0] as string]);
  }
}

/**
 * Makes `count` hosts named after this process's PID (so parallel test files and runs never
 * collide), at 10.213.<pid % 250>.<1..count>/24. If any step fails, what was made is removed.
 */
export function createHosts(count: number): Hosts {
  requireNetns();
  removeStale();
  const prefix = `fastworker-test-${process.pid}`;
  const subnet = `10.213.${process.pid % 250}`;
  const sw = `${prefix}-sw`;
  const made: string[] = [];
  const remove = () => {
    const failures: string[] = [];
    for (const ns of made.splice(0).reverse()) {
      const run = Bun.spawnSync(["ip", "netns", "del", ns], { stdout: "pipe", stderr: "pipe" });
      if (!run.success) failures.push(`${ns}: ${run.stderr.toString().trim()}`);
    }
    if (failures.length > 0) throw new Error(`could not delete network namespaces: ${failures.join("; ")}`);
  };
  try {
    ip(["netns", "add", sw]);
    made.push(sw);
    ip(["-n", sw, "link", "add", "br0", "type", "bridge"]);
    ip(["-n", sw, "link", "set", "br0", "up"]);
    const hosts: Host[] = [];
    for (let i = 1; i <= count; i++) {
      const ns = `${prefix}-h${i}`;
      ip(["netns", "add", ns]);
      made.push(ns);
      const link = `h${i}`;
      // Both ends are made inside namespaces: the bridge side in the switch, eth0 in the host.
      ip(["-n", sw, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns]);
      ip(["-n", sw, "link", "set", link, "master", "br0"]);
      ip(["-n", sw, "link", "set", link, "up"]);
      const address = `${subnet}.${i}`;
      ip(["-n", ns, "addr", "add", `${address}/24`, "dev", "eth0"]);
      ip(["-n", ns, "link", "set", "eth0", "up"]);
      ip(["-n", ns, "link", "set", "lo", "up"]);
      hosts.push({
        ns,
        ip: address,
        link,
        start: (args, env) => startProcess(args, { env, prefix: ["ip", "netns", "exec", ns] }),
        run: (args, env = {}) => {
          const r = Bun.spawnSync(["ip", "netns", "exec", ns, "bun", ...args], { cwd: root, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
          return { code: r.exitCode, out: r.stdout.toString().trim(), err: r.stderr.toString().trim() };
        },
        cut: () => void ip(["-n", sw, "link", "set", link, "down"]),
        reconnect: () => void ip(["-n", sw, "link", "set", link, "up"]),
      });
    }
    return { hosts, remove };
  } catch (error) {
    try {
      remove();
    } catch (cleanup) {
      throw new AggregateError([error, cleanup], "making the test hosts failed, and so did removing them");
    }
    throw error;
  }
}
