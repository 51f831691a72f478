/**
 * A strict little parser of the Prometheus text format (0.0.4) for the tests: every sample must
 * belong to the family declared just above it (HELP then TYPE), label values are unescaped, and
 * histogram buckets must be cumulative and end with le="+Inf" equal to _count.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

function parseValue(raw: string): number {
  if (raw === "+Inf") return Number.POSITIVE_INFINITY;
  if (raw === "-Inf") return Number.NEGATIVE_INFINITY;
  if (raw === "NaN") return Number.NaN;
  const n = Number(raw);
  if (raw === "" || Number.isNaN(n)) throw new Error(`bad sample value "${raw}"`);
  return n;
}

function parseLabels(raw: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < raw.length) {
    const match = LABEL.exec(raw);
    if (!match) throw new Error(`bad labels {${raw}}`);
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

function belongs(sample: string, family: PromFamily): boolean {
  if (family.type !== "histogram") return sample === family.name;
  return sample === `${family.name}_bucket` || sample === `${family.name}_sum` || sample === `${family.name}_count`;
}

export function parsePrometheus(text: string): Map<string, PromFamily> {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const families = new Map<string, PromFamily>();
  let current: PromFamily | undefined;
  let pendingHelp: { name: string; help: string } | undefined;
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) {
      const parts = line.split(" ");
      pendingHelp = { name: parts[2]!, help: parts.slice(3).join(" ") };
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      if (!name || !type || !["counter", "gauge", "histogram", "summary", "untyped"].includes(type)) throw new Error(`bad TYPE line: ${line}`);
      if (families.has(name)) throw new Error(`family ${name} declared twice`);
      if (pendingHelp?.name !== name) throw new Error(`TYPE ${name} without HELP just before it`);
      current = { name, type, help: pendingHelp.help, samples: [] };
      families.set(name, current);
      pendingHelp = undefined;
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`bad line: ${JSON.stringify(line)}`);
    if (!current || !belongs(match[1]!, current)) throw new Error(`sample ${match[1]} outside its family`);
    current.samples.push({ name: match[1]!, labels: match[3] ? parseLabels(match[3]) : {}, value: parseValue(match[4]!) });
  }
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);
  return families;
}

function key(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).filter(([k]) => k !== "le").sort());
}

function checkHistogram(family: PromFamily): void {
  const groups = new Map<string, PromSample[]>();
  for (const s of family.samples) {
    const k = key(s.labels);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  for (const samples of groups.values()) {
    const buckets = samples.filter((s) => s.name.endsWith("_bucket"));
    const count = samples.find((s) => s.name.endsWith("_count"));
    if (buckets.length === 0 || !count || !samples.some((s) => s.name.endsWith("_sum"))) throw new Error(`${family.name}: incomplete histogram`);
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${family.name}: buckets not cumulative`);
      if (Number(buckets[i]!.labels.le) <= Number(buckets[i - 1]!.labels.le) && buckets[i]!.labels.le !== "+Inf") throw new Error(`${family.name}: le not increasing`);
    }
    const last = buckets.at(-1)!;
    if (last.labels.le !== "+Inf" || last.value !== count.value) throw new Error(`${family.name}: +Inf bucket must equal _count`);
  }
}

/** The value of the one sample of `name` whose labels are exactly `labels` (undefined when absent). */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort())) return s.value;
    }
  }
  return undefined;
}
