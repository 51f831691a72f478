/*
 * FastWorker's NNG I/O shim, compiled at start by bun:ffi `cc` (TinyCC).
 *
 * Why it exists: NNG completes aio operations on its own threads. Calling into JS once per
 * completion (one thread-safe JSCallback per aio) costs two JS hops per request and floods the
 * event loop. Here each "lane" (one aio, usually bound to one nng_ctx) runs its small state
 * machine on NNG's threads: a REQ lane goes send -> recv without JS; a REP lane goes
 * reply-send -> recv without JS. Only finished operations are queued in a ring, and JS is woken
 * once per batch (on the empty -> non-empty transition), then drains the ring with a budget.
 *
 * Header-free on purpose: libnng's entry points arrive from JS as function pointers (dlopen'd
 * symbols), so running needs only the libnng1 runtime package: no headers, no libc6-dev.
 * nng_socket and nng_ctx are `struct { uint32_t id; }`, passed by value like a uint32 on the
 * supported ABIs (x86-64 SysV, AArch64).
 *
 * Supported libnng: 1.x (checked with nng_version() before this is compiled). NNG 2.x differs.
 */

typedef struct nng_aio nng_aio;
typedef struct nng_msg nng_msg;
typedef unsigned long size_t;

void *memcpy(void *dst, const void *src, size_t n);
void *calloc(size_t n, size_t size);
void free(void *p);

#define NNG_ECLOSED 7
#define NNG_ETIMEDOUT 5

typedef struct api {
  int (*aio_alloc)(nng_aio **, void (*)(void *), void *);
  void (*aio_free)(nng_aio *);
  void (*aio_stop)(nng_aio *);
  int (*aio_result)(nng_aio *);
  nng_msg *(*aio_get_msg)(nng_aio *);
  void (*aio_set_msg)(nng_aio *, nng_msg *);
  void (*aio_set_timeout)(nng_aio *, int);
  void (*ctx_send)(unsigned int, nng_aio *);
  void (*ctx_recv)(unsigned int, nng_aio *);
  void (*sock_send)(unsigned int, nng_aio *);
  void (*sock_recv)(unsigned int, nng_aio *);
  int (*msg_alloc)(nng_msg **, size_t);
  void (*msg_free)(nng_msg *);
  void *(*msg_body)(nng_msg *);
  size_t (*msg_len)(nng_msg *);
  int (*mtx_alloc)(void **);
  void (*mtx_free)(void *);
  void (*mtx_lock)(void *);
  void (*mtx_unlock)(void *);
  int (*thread_create)(void **, void (*)(void *), void *);
  void (*thread_destroy)(void *);
  int (*cv_alloc)(void **, void *);
  void (*cv_free)(void *);
  void (*cv_wait)(void *);
  void (*cv_wake1)(void *);
  int (*close)(unsigned int);
  unsigned int (*msg_get_pipe)(nng_msg *); /* nng_pipe is struct { uint32_t id; }, returned like a uint32 */
} api;

/* Lane states: what the lane's aio is doing now. */
enum { ST_IDLE = 0, ST_REQ_SEND, ST_REQ_RECV, ST_RECV, ST_REPLY_SEND, ST_SEND, ST_HOP };

struct engine;

typedef struct lane {
  nng_aio *aio;
  unsigned int target; /* nng_ctx id when use_ctx, else nng_socket id */
  int use_ctx;
  int st;
  int rv;
  nng_msg *msg; /* received message waiting for JS to take it */
  unsigned int pipe; /* the pipe `msg` arrived on: the control plane binds authentication to it */
  int reply_lost; /* a reply to `pipe` missed its deadline: reported with that pipe, so JS can close it */
  nng_msg *out; /* message to send once the lane has hopped onto an NNG thread */
  int next;     /* the state to enter after the hop */
  int timeout;
  int idx;
  struct engine *eng;
} lane;

typedef struct engine {
  api A;
  void *mx;
  /* Sends are started by one sender thread, so the JS thread never does the socket write. */
  void *smx;
  void *scv;
  void *sender;
  int *sring;
  unsigned int shead;
  unsigned int stail;
  int sleeping;
  int stopping;
  /* Sends the JS thread may still start itself in this drain (only touched on the JS thread). */
  int direct_budget;
  /*
   * The close gate, under smx. libnng 1.x lets nng_close free the socket while another thread is
   * still inside nng_ctx_send/nng_ctx_recv on one of its contexts (that thread then frees the
   * context and locks the freed socket: "pthread_mutex_lock: Invalid argument"). So every send
   * and every receive re-armed in an aio callback is counted in `calls` while it runs (smx is
   * held only to count, never across the NNG call), and eng_closing() shuts the gate and waits for
   * `calls` to reach 0 before JS calls nng_close. A flag checked without the lock left that window open.
   */
  int closing;
  int calls;
  void *gcv;
  void (*wake)(void);
  int armed;
  int *ring;
  int rcap;
  unsigned int rhead;
  unsigned int rtail;
  lane *lanes;
  int nlanes;
} engine;

static void sender_main(void *arg);
static void report(struct lane *l, int rv);

/* Enters the close gate; 0 means the socket is closing and no NNG call may start. */
static int gate_enter(engine *e) {
  int open;
  e->A.mtx_lock(e->smx);
  open = !e->closing;
  if (open) e->calls++;
  e->A.mtx_unlock(e->smx);
  return open;
}

static void gate_leave(engine *e) {
  e->A.mtx_lock(e->smx);
  e->calls--;
  if (e->closing && e->calls == 0) e->A.cv_wake1(e->gcv);
  e->A.mtx_unlock(e->smx);
}

static void do_send(lane *l) {
  if (l->use_ctx) l->eng->A.ctx_send(l->target, l->aio);
  else l->eng->A.sock_send(l->target, l->aio);
}

static void do_recv(lane *l) {
  if (l->use_ctx) l->eng->A.ctx_recv(l->target, l->aio);
  else l->eng->A.sock_recv(l->target, l->aio);
}

/* Queues a finished lane for JS; wakes JS only if it is not already awake and draining. */
static void report(lane *l, int rv) {
  engine *e = l->eng;
  int w;
  l->rv = rv;
  l->st = ST_IDLE;
  e->A.mtx_lock(e->mx);
  e->ring[e->rhead % e->rcap] = l->idx;
  e->rhead++;
  w = e->armed;
  e->armed = 0;
  e->A.mtx_unlock(e->mx);
  if (w) e->wake();
}

/* Re-arms a receive from an NNG thread; once the socket is closing, the lane reports ECLOSED instead. */
static void recv_gated(lane *l) {
  engine *e = l->eng;
  if (!gate_enter(e)) {
    report(l, NNG_ECLOSED);
    return;
  }
  do_recv(l);
  gate_leave(e);
}

/* Runs on an NNG thread whenever a lane's aio completes. */
static void on_aio(void *arg) {
  lane *l = (lane *)arg;
  engine *e = l->eng;
  int rv = e->A.aio_result(l->aio);
  nng_msg *m;
  switch (l->st) {
  case ST_REQ_SEND:
    if (rv == 0) {
      l->st = ST_REQ_RECV;
      recv_gated(l);
      return;
    }
    /* On a failed send the message still belongs to us. */
    m = e->A.aio_get_msg(l->aio);
    if (m) e->A.msg_free(m);
    report(l, rv);
    return;
  case ST_REQ_RECV:
  case ST_RECV:
    l->msg = rv == 0 ? e->A.aio_get_msg(l->aio) : 0;
    l->pipe = l->msg ? e->A.msg_get_pipe(l->msg) : 0;
    report(l, rv);
    return;
  case ST_REPLY_SEND:
    if (rv != 0) {
      m = e->A.aio_get_msg(l->aio);
      if (m) e->A.msg_free(m);
    }
    if (rv == NNG_ECLOSED) {
      report(l, rv);
      return;
    }
    if (rv == NNG_ETIMEDOUT) {
      /*
       * The peer did not take its reply in time (it does not read): the lane goes back to JS,
       * which closes that pipe and re-arms the receive. Other peers' contexts are unaffected.
       */
      l->reply_lost = 1;
      report(l, rv);
      return;
    }
    /* A failed reply (peer gone) is REP's normal loss; keep serving on this context. */
    l->st = ST_RECV;
    e->A.aio_set_timeout(l->aio, -1);
    recv_gated(l);
    return;
  case ST_SEND:
    if (rv != 0) {
      m = e->A.aio_get_msg(l->aio);
      if (m) e->A.msg_free(m);
    }
    report(l, rv);
    return;
  default:
    report(l, rv);
    return;
  }
}

engine *eng_new(api *a, void (*wake)(void), int max_lanes) {
  engine *e = (engine *)calloc(1, sizeof(engine));
  if (!e) return 0;
  memcpy(&e->A, a, sizeof(api));
  if (e->A.mtx_alloc(&e->mx) != 0) {
    free(e);
    return 0;
  }
  e->wake = wake;
  e->armed = 1;
  e->rcap = max_lanes + 1;
  e->ring = (int *)calloc((size_t)e->rcap, sizeof(int));
  e->sring = (int *)calloc((size_t)e->rcap, sizeof(int));
  e->lanes = (lane *)calloc((size_t)max_lanes, sizeof(lane));
  e->nlanes = max_lanes;
  if (!e->ring || !e->sring || !e->lanes || e->A.mtx_alloc(&e->smx) != 0) {
    free(e->ring);
    free(e->sring);
    free(e->lanes);
    e->A.mtx_free(e->mx);
    free(e);
    return 0;
  }
  if (e->A.cv_alloc(&e->scv, e->smx) != 0 || e->A.cv_alloc(&e->gcv, e->smx) != 0 ||
      e->A.thread_create(&e->sender, sender_main, e) != 0) {
    if (e->gcv) e->A.cv_free(e->gcv);
    if (e->scv) e->A.cv_free(e->scv);
    free(e->ring);
    free(e->sring);
    free(e->lanes);
    e->A.mtx_free(e->smx);
    e->A.mtx_free(e->mx);
    free(e);
    return 0;
  }
  return e;
}

int lane_open(engine *e, int idx, unsigned int target, int use_ctx) {
  lane *l;
  if (idx < 0 || idx >= e->nlanes) return 3; /* NNG_EINVAL */
  l = &e->lanes[idx];
  l->idx = idx;
  l->eng = e;
  l->target = target;
  l->use_ctx = use_ctx;
  l->st = ST_IDLE;
  return e->A.aio_alloc(&l->aio, on_aio, l);
}

/*
 * Copies the bytes into a new message and hands the lane to the sender thread: starting a send
 * from the JS thread makes it do the socket write itself, which profiling showed costing the
 * coordinator more than everything else together.
 */
static int send_via_sender(lane *l, const unsigned char *buf, int len, int next, int timeout_ms) {
  engine *e = l->eng;
  nng_msg *m;
  int rv = e->A.msg_alloc(&m, (size_t)len);
  if (rv != 0) return rv;
  if (len > 0) memcpy(e->A.msg_body(m), buf, (size_t)len);
  l->out = m;
  l->next = next;
  l->timeout = timeout_ms;
  l->st = ST_HOP;
  e->A.mtx_lock(e->smx);
  if (e->direct_budget > 0 && e->sleeping && e->stail == e->shead && !e->closing) {
    /*
     * The sender is idle: waking it would only add a thread hand-off to this message's latency
     * (40-70 us measured). A couple of sends per JS drain go out from here; a burst still goes
     * through the sender, so the JS thread does not end up doing every socket write again.
     * The send itself runs outside smx, inside the close gate (counted in `calls`).
     */
    e->direct_budget--;
    e->calls++;
    e->A.mtx_unlock(e->smx);
    l->st = next;
    e->A.aio_set_msg(l->aio, m);
    l->out = 0;
    e->A.aio_set_timeout(l->aio, timeout_ms);
    do_send(l);
    gate_leave(e);
    return 0;
  }
  e->sring[e->shead % e->rcap] = l->idx;
  e->shead++;
  if (e->sleeping) e->A.cv_wake1(e->scv);
  e->A.mtx_unlock(e->smx);
  return 0;
}

/*
 * The sender thread. It takes each send off the ring under smx and starts it inside the close
 * gate (`calls`), which eng_closing() shuts and waits on: so a send is either started before
 * nng_close or not at all. Starting one on a socket being closed panicked inside NNG (a
 * reproduced crash, test/nng/close-race.test.ts). The socket write itself runs with smx
 * released: holding it there made the JS thread, which needs smx to queue the next send, wait
 * for this thread's syscalls (and for this thread to be scheduled again when preempted).
 */
/* Sends the sender thread takes off the ring at once: one lock round per batch, not per send. */
#define SEND_BATCH 64

static void sender_main(void *arg) {
  engine *e = (engine *)arg;
  int batch[SEND_BATCH];
  e->A.mtx_lock(e->smx);
  for (;;) {
    int n = 0, i;
    while (e->stail == e->shead && !e->stopping) {
      e->sleeping = 1;
      e->A.cv_wait(e->scv);
      e->sleeping = 0;
    }
    if (e->stail == e->shead) break;
    if (e->closing) {
      lane *l = &e->lanes[e->sring[e->stail % e->rcap]];
      e->stail++;
      e->A.msg_free(l->out);
      l->out = 0;
      report(l, NNG_ECLOSED);
      continue;
    }
    while (n < SEND_BATCH && e->stail != e->shead) {
      batch[n++] = e->sring[e->stail % e->rcap];
      e->stail++;
    }
    e->calls++;
    e->A.mtx_unlock(e->smx);
    for (i = 0; i < n; i++) {
      lane *l = &e->lanes[batch[i]];
      l->st = l->next;
      e->A.aio_set_msg(l->aio, l->out);
      l->out = 0;
      e->A.aio_set_timeout(l->aio, l->timeout);
      do_send(l);
    }
    e->A.mtx_lock(e->smx);
    e->calls--;
    if (e->closing && e->calls == 0) e->A.cv_wake1(e->gcv);
  }
  e->A.mtx_unlock(e->smx);
}

/* REQ: send a request, then (on NNG's thread) receive its reply. */
int lane_request(engine *e, int idx, const unsigned char *buf, int len, int timeout_ms) {
  return send_via_sender(&e->lanes[idx], buf, len, ST_REQ_SEND, timeout_ms);
}

int lane_recv(engine *e, int idx, int timeout_ms) {
  lane *l = &e->lanes[idx];
  l->st = ST_RECV;
  e->A.aio_set_timeout(l->aio, timeout_ms);
  do_recv(l);
  return 0;
}

/*
 * REP: send the reply, then go straight back to receiving the next request. `timeout_ms` bounds
 * the send (-1: none): a peer that never reads would otherwise hold this context for good.
 */
int lane_reply(engine *e, int idx, const unsigned char *buf, int len, int timeout_ms) {
  return send_via_sender(&e->lanes[idx], buf, len, ST_REPLY_SEND, timeout_ms);
}

int lane_send(engine *e, int idx, const unsigned char *buf, int len, int timeout_ms) {
  return send_via_sender(&e->lanes[idx], buf, len, ST_SEND, timeout_ms);
}

/*
 * Takes up to `max` finished lanes as (idx, rv, body length, pipe id) quads. Re-arms the wake only when
 * the ring is empty, so a JS drain that stops at its budget must schedule itself again.
 */
int eng_drain(engine *e, int *out, int max) {
  int n = 0;
  e->direct_budget = 2;
  e->A.mtx_lock(e->mx);
  while (n < max && e->rtail != e->rhead) {
    int idx = e->ring[e->rtail % e->rcap];
    lane *l = &e->lanes[idx];
    e->rtail++;
    out[n * 4] = idx;
    out[n * 4 + 1] = l->rv;
    out[n * 4 + 2] = l->msg ? (int)e->A.msg_len(l->msg) : -1;
    out[n * 4 + 3] = l->msg || l->reply_lost ? (int)l->pipe : 0;
    l->reply_lost = 0;
    n++;
  }
  if (e->rtail == e->rhead) e->armed = 1;
  e->A.mtx_unlock(e->mx);
  return n;
}

/* Copies a lane's received body into JS memory and frees the NNG message. */
int lane_take(engine *e, int idx, unsigned char *dst) {
  lane *l = &e->lanes[idx];
  int len;
  if (!l->msg) return -1;
  len = (int)e->A.msg_len(l->msg);
  if (len > 0) memcpy(dst, e->A.msg_body(l->msg), (size_t)len);
  e->A.msg_free(l->msg);
  l->msg = 0;
  return len;
}

/*
 * Called by JS just before nng_close: shuts the close gate and waits until no other thread is
 * inside an NNG call for this socket. From then on lanes finish with ECLOSED instead of starting
 * new operations.
 */
void eng_closing(engine *e) {
  e->A.mtx_lock(e->smx);
  e->closing = 1;
  while (e->calls > 0) e->A.cv_wait(e->gcv);
  e->A.mtx_unlock(e->smx);
}

unsigned long pthread_self(void);
int pthread_detach(unsigned long thread);

typedef struct closer {
  int (*close)(unsigned int);
  unsigned int sock;
} closer;

static void close_main(void *arg) {
  closer *c = (closer *)arg;
  /* Nobody joins this thread: let the OS reclaim it when nng_close returns. */
  pthread_detach(pthread_self());
  c->close(c->sock);
  free(c);
}

/*
 * nng_close on its own thread. libnng 1.5-1.7 can block nng_close forever while peers are sending
 * (nanomsg/nng#1543, #1813; fixed in 1.8): on the JS thread that froze the whole control plane,
 * signal handlers included. Every lane still reports ECLOSED before that stuck step.
 */
int eng_close_socket(engine *e, unsigned int sock) {
  void *thread;
  closer *c = (closer *)calloc(1, sizeof(closer));
  if (!c) return 2; /* NNG_ENOMEM */
  c->close = e->A.close;
  c->sock = sock;
  return e->A.thread_create(&thread, close_main, c);
}

/* Stops (waits for NNG's callback to finish) and frees every lane's aio. Call after nng_close. */
void eng_free(engine *e) {
  int i;
  e->A.mtx_lock(e->smx);
  e->stopping = 1;
  e->A.cv_wake1(e->scv);
  e->A.mtx_unlock(e->smx);
  e->A.thread_destroy(e->sender); /* joins: every queued send has been started */
  for (i = 0; i < e->nlanes; i++) {
    lane *l = &e->lanes[i];
    if (l->aio) {
      e->A.aio_stop(l->aio);
      if (l->msg) e->A.msg_free(l->msg);
      if (l->out) e->A.msg_free(l->out);
      e->A.aio_free(l->aio);
      l->aio = 0;
    }
  }
  e->A.cv_free(e->gcv);
  e->A.cv_free(e->scv);
  e->A.mtx_free(e->smx);
  e->A.mtx_free(e->mx);
  free(e->ring);
  free(e->sring);
  free(e->lanes);
  free(e);
}
