import * as v from "valibot";
import { withinDepth } from "./depth.ts";
import { MAX_CAPACITY, MAX_ID_CHARS, MAX_JSON_DEPTH, MAX_MESSAGE_CHARS, MAX_NAME_CHARS, MAX_SHORT_STRING_CHARS } from "./limits.ts";

/** The field schemas every frame is made of (frames.ts, peer-frames.ts, auth-frames.ts), each with its bound. */
export const Version = v.literal(1);
export const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_ID_CHARS, `at most ${MAX_ID_CHARS} characters`));
export const TaskName = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_NAME_CHARS, `at most ${MAX_NAME_CHARS} characters`));
export const Short = v.pipe(v.string(), v.maxLength(MAX_SHORT_STRING_CHARS, `at most ${MAX_SHORT_STRING_CHARS} characters`));
export const Message = v.pipe(v.string(), v.maxLength(MAX_MESSAGE_CHARS, `at most ${MAX_MESSAGE_CHARS} characters`));
export const Millis = v.pipe(v.number(), v.finite(), v.minValue(0));
export const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
/** A capacity or a number of credits: bounded so the scheduler never loops over an absurd number. */
export const Credits = v.pipe(Count, v.maxValue(MAX_CAPACITY, `at most ${MAX_CAPACITY}`));
/** A list of at most `max` items, the message naming the bound. */
export const bounded = <S extends v.GenericSchema>(item: S, max: number) => v.pipe(v.array(item), v.maxLength(max, `at most ${max} items`));
/** Issue message of a nesting-depth check: src/protocol/codec.ts maps it to E_INVALID_ARGS for args and kwargs. */
export const DEPTH_MESSAGE = `nests deeper than ${MAX_JSON_DEPTH} levels`;
/** Any JSON value (args item, result, callback data) nesting no deeper than MAX_JSON_DEPTH. */
export const shallow = <S extends v.GenericSchema>(schema: S) => v.pipe(schema, v.check((value) => withinDepth(value, MAX_JSON_DEPTH), DEPTH_MESSAGE));

