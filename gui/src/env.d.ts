// Lets the GUI's TypeScript import single-file components; their own types are checked by the build.
declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare module "*.css";
