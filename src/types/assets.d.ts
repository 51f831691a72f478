// Text imports of non-TS assets (the C shim is embedded this way so `bun build --compile` carries it).
declare module "*.c" {
  const source: string;
  export default source;
}
