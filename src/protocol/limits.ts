/**
 * The bounds of every field a peer can send (docs/protocol.md, "Limits"), in one place. The frame
 * size limit alone does not protect the control plane: a 16 MiB frame holds a million ids or a
 * 100 000-level array, each of which costs far more to process than to send. Beyond a bound a
 * frame is refused with E_INVALID_FRAME naming the field and the bound (E_INVALID_ARGS for the
 * nesting depth of arguments).
 */

/** Ids per `cancel`: its reply carries an outcome per id, so this bounds the reply too. */
export const MAX_IDS_PER_CANCEL = 10_000;
/** Ids per `result` and `watch` (the Client polls the ids of one submit batch at once, so this equals MAX_TASKS_PER_SUBMIT). */
export const MAX_IDS_PER_POLL = 100_000;
/** Tasks per `submit`. */
export const MAX_TASKS_PER_SUBMIT = 100_000;
/** Task names one subworker announces in `hello`. */
export const MAX_HELLO_TASKS = 1_024;
/**
 * `capacity` in hello and `credits`/`idle` in lease and report. Generous (a subworker's capacity is
 * workers × tasksPerWorker, up to 1 024 each), only to refuse absurd numbers the scheduler would loop over.
 */
export const MAX_CAPACITY = 100_000;
/** Outcomes per `report`/`bye`, and ids in its `running` list: at most what a subworker can hold, with room for a backlog. */
export const MAX_OUTCOMES_PER_REPORT = 100_000;
/** Task ids, worker ids, client ids, watch ids. */
export const MAX_ID_CHARS = 200;
/** Task names. */
export const MAX_NAME_CHARS = 200;
/** Idempotency keys. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 200;
/** Error messages and stacks carried in frames (a handler's error message is the usual source). */
export const MAX_MESSAGE_CHARS = 1_048_576;
/** Short free-form strings: versions, host names, callback addresses, traceparent, error codes. */
export const MAX_SHORT_STRING_CHARS = 1_024;
/** Nesting depth of args, kwargs, results and callback data (arrays and objects; 0 = a scalar). */
export const MAX_JSON_DEPTH = 64;
/** Workers listed per `status` reply when the request names no `workersLimit`. */
export const DEFAULT_STATUS_WORKERS_LIMIT = 500;
/** The largest `workersLimit` of a `status` request: 5 000 workers are about 1.5 MB of reply. */
export const MAX_STATUS_WORKERS_LIMIT = 5_000;
