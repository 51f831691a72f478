// One definition of priorities for the whole code base lives with task definitions.
export { PRIORITIES, type Priority } from "../tasks/priority.ts";
