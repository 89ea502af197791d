// Fixed-rate, open-loop HTTP/1.1 load generator: what wrk2 does, for Debian,
// which ships wrk but not wrk2.
//
// Requests are scheduled at start + i/rate whatever happens to earlier ones;
// a request that finds no idle connection waits in a queue, and its latency is
// measured from the time it was scheduled, not from when it was written. So a
// stall in the system under test shows up in the tail instead of silently
// slowing the generator down (no coordinated omission).
//
// It reports its own accuracy too: how late the timer woke up relative to the
// schedule (timer_lag_us) and the CPU it used, so a reader can tell generator
// noise from proxy latency.
//
//   loadgen --port P [--host 127.0.0.1] [--rate 1000] [--duration 10]
//           [--warmup 2] [--connections 16] [--path /] [--authority H]
//           [--spin-us 150] [--header 'k: v']...
// Prints one JSON object on stdout. Exit 0 when the run completed (errors are
// counted in the JSON), 2 on a bad command line, 1 when nothing could connect.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define RBUF 65536
#define MAX_CONNS 1024
#define MAX_HEADERS 16

enum conn_state { C_CLOSED, C_CONNECTING, C_IDLE, C_BUSY };
enum parse_state { P_HEAD, P_BODY_LENGTH, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_TRAILER };

struct conn {
  int fd;
  enum conn_state state;
  enum parse_state parse;
  int64_t intended_ns; // when the in-flight request was scheduled
  int64_t sent_ns;     // when it was written
  int64_t remaining;   // body or chunk bytes still expected
  int status;
  int close_after;
  size_t len;
  char buf[RBUF];
};

struct samples {
  int64_t *v;
  size_t n, cap;
};

static void push(struct samples *s, int64_t x) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 4096;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
    if (s->v == NULL) { perror("realloc"); exit(1); }
  }
  s->v[s->n++] = x;
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// A queue of scheduled-but-unsent request times: a ring that grows when the
// system under test falls behind.
static int64_t *queue;
static size_t q_head, q_len, q_cap;

static void enqueue(int64_t t) {
  if (q_len == q_cap) {
    size_t cap = q_cap ? q_cap * 2 : 1024;
    int64_t *next = malloc(cap * sizeof *next);
    if (next == NULL) { perror("malloc"); exit(1); }
    for (size_t i = 0; i < q_len; i++) next[i] = queue[(q_head + i) % q_cap];
    free(queue);
    queue = next;
    q_head = 0;
    q_cap = cap;
  }
  queue[(q_head + q_len) % q_cap] = t;
  q_len++;
}

static int64_t dequeue(void) {
  int64_t t = queue[q_head];
  q_head = (q_head + 1) % q_cap;
  q_len--;
  return t;
}

static struct conn *conns;
static int nconns;
static int epfd;
static struct sockaddr_in target;
static char request[8192];
static size_t request_len;
static int64_t record_from_ns;
static int64_t spin_ns = 150000;
static struct samples latency, service, timer_lag;
static uint64_t completed, errors, non2xx, connects, connect_failures;
// Idle connections, first in first out, so every connection carries traffic.
static int idle[MAX_CONNS];
static int idle_head, idle_len;

static void idle_push(int i) { idle[(idle_head + idle_len++) % MAX_CONNS] = i; }
static int idle_pop(void) {
  int i = idle[idle_head];
  idle_head = (idle_head + 1) % MAX_CONNS;
  idle_len--;
  return i;
}

static void open_conn(int i) {
  struct conn *c = &conns[i];
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) { perror("socket"); exit(1); }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->len = 0;
  c->parse = P_HEAD;
  connects++;
  int rc = connect(c->fd, (struct sockaddr *)&target, sizeof target);
  if (rc < 0 && errno != EINPROGRESS) {
    connect_failures++;
    close(c->fd);
    c->fd = -1;
    c->state = C_CLOSED;
    return;
  }
  c->state = C_CONNECTING;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = (uint32_t)i};
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void close_conn(int i) {
  struct conn *c = &conns[i];
  if (c->fd >= 0) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
  }
  c->fd = -1;
  c->state = C_CLOSED;
}

// A broken connection: its in-flight request (if any) is an error; a new one
// takes its place.
static void fail_conn(int i) {
  if (conns[i].state == C_BUSY) errors++;
  if (conns[i].state == C_CONNECTING) connect_failures++;
  close_conn(i);
  open_conn(i);
}

static void send_on(int i, int64_t intended) {
  struct conn *c = &conns[i];
  c->intended_ns = intended;
  c->sent_ns = now_ns();
  c->state = C_BUSY;
  c->parse = P_HEAD;
  c->len = 0;
  size_t off = 0;
  while (off < request_len) {
    ssize_t n = write(c->fd, request + off, request_len - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      // The request is tiny; a full socket buffer here means the peer is gone.
      fail_conn(i);
      return;
    }
    off += (size_t)n;
  }
}

static void dispatch(void) {
  while (q_len > 0 && idle_len > 0) {
    int i = idle_pop();
    if (conns[i].state != C_IDLE) continue; // closed while waiting in the idle list
    send_on(i, dequeue());
  }
}

static void finished(int i) {
  struct conn *c = &conns[i];
  int64_t t = now_ns();
  completed++;
  if (c->status < 200 || c->status > 299) non2xx++;
  if (c->intended_ns >= record_from_ns) {
    push(&latency, t - c->intended_ns);
    push(&service, t - c->sent_ns);
  }
  if (c->close_after) {
    close_conn(i);
    open_conn(i);
    return;
  }
  c->state = C_IDLE;
  idle_push(i);
}

static char *find_crlf2(char *p, size_t n) {
  if (n < 4) return NULL;
  for (size_t k = 3; k < n; k++)
    if (p[k - 3] == '\r' && p[k - 2] == '\n' && p[k - 1] == '\r' && p[k] == '\n') return p + k - 3;
  return NULL;
}

static char *find_crlf(char *p, size_t n) {
  for (size_t k = 1; k < n; k++)
    if (p[k - 1] == '\r' && p[k] == '\n') return p + k - 1;
  return NULL;
}

// Consumes complete responses from the connection's buffer. Returns -1 on a
// malformed response, 0 otherwise.
static int parse(int i) {
  struct conn *c = &conns[i];
  size_t pos = 0;
  for (;;) {
    char *p = c->buf + pos;
    size_t n = c->len - pos;
    if (c->state != C_BUSY) {
      if (n > 0) return -1; // bytes nobody asked for
      break;
    }
    if (c->parse == P_HEAD) {
      char *end = find_crlf2(p, n);
      if (end == NULL) {
        if (n == RBUF) return -1;
        break;
      }
      *end = '\0';
      if (strncmp(p, "HTTP/1.", 7) != 0 || strlen(p) < 12) return -1;
      c->status = atoi(p + 9);
      c->close_after = p[7] == '0';
      int64_t length = -1;
      int chunked = 0;
      for (char *line = strstr(p, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
        char *h = line + 2;
        if (strncasecmp(h, "content-length:", 15) == 0) length = strtoll(h + 15, NULL, 10);
        else if (strncasecmp(h, "transfer-encoding:", 18) == 0 && strcasestr(h, "chunked") != NULL) chunked = 1;
        else if (strncasecmp(h, "connection:", 11) == 0) {
          if (strcasestr(h, "close") != NULL) c->close_after = 1;
          else if (strcasestr(h, "keep-alive") != NULL) c->close_after = 0;
        }
      }
      pos += (size_t)(end - p) + 4;
      if (chunked) c->parse = P_CHUNK_SIZE;
      else if (length > 0) { c->parse = P_BODY_LENGTH; c->remaining = length; }
      else if (length == 0 || c->status == 204 || c->status == 304) {
        c->parse = P_HEAD;
        finished(i);
        if (c->state == C_CONNECTING || c->state == C_CLOSED) return 0; // reopened after Connection: close
      }
      else return -1; // a body delimited by close: not a keep-alive benchmark
    } else if (c->parse == P_BODY_LENGTH) {
      size_t take = n < (size_t)c->remaining ? n : (size_t)c->remaining;
      pos += take;
      c->remaining -= (int64_t)take;
      if (c->remaining > 0) break;
      c->parse = P_HEAD;
      finished(i);
      if (c->state == C_CONNECTING || c->state == C_CLOSED) return 0;
    } else if (c->parse == P_CHUNK_SIZE) {
      char *end = find_crlf(p, n);
      if (end == NULL) {
        if (n == RBUF) return -1;
        break;
      }
      c->remaining = strtoll(p, NULL, 16);
      pos += (size_t)(end - p) + 2;
      c->parse = c->remaining == 0 ? P_CHUNK_TRAILER : P_CHUNK_DATA;
      if (c->remaining > 0) c->remaining += 2; // the chunk's own CRLF
    } else if (c->parse == P_CHUNK_DATA) {
      size_t take = n < (size_t)c->remaining ? n : (size_t)c->remaining;
      pos += take;
      c->remaining -= (int64_t)take;
      if (c->remaining > 0) break;
      c->parse = P_CHUNK_SIZE;
    } else { // P_CHUNK_TRAILER: trailer lines until an empty one
      char *end = find_crlf(p, n);
      if (end == NULL) break;
      pos += (size_t)(end - p) + 2;
      if (end == p) {
        c->parse = P_HEAD;
        finished(i);
        if (c->state == C_CONNECTING || c->state == C_CLOSED) return 0;
      }
    }
  }
  if (pos > 0) {
    memmove(c->buf, c->buf + pos, c->len - pos);
    c->len -= pos;
  }
  return 0;
}

static void on_event(int i, uint32_t events) {
  struct conn *c = &conns[i];
  if (c->fd < 0) return;
  if (c->state == C_CONNECTING) {
    if (events & (EPOLLERR | EPOLLHUP)) { fail_conn(i); return; }
    if (events & EPOLLOUT) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) { fail_conn(i); return; }
      struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)i};
      epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
      c->state = C_IDLE;
      idle_push(i);
      return;
    }
  }
  if (events & EPOLLIN) {
    for (;;) {
      if (c->len == RBUF) { fail_conn(i); return; }
      ssize_t n = read(c->fd, c->buf + c->len, RBUF - c->len);
      if (n > 0) {
        c->len += (size_t)n;
        if (parse(i) < 0) { fail_conn(i); return; }
        if (c->fd < 0 || c->state == C_CONNECTING) return; // reopened after Connection: close
        continue;
      }
      if (n == 0) { fail_conn(i); return; }
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      fail_conn(i);
      return;
    }
  }
  if (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) fail_conn(i);
}

static void summary(const char *name, struct samples *s, int last) {
  if (s->n == 0) {
    printf("\"%s\":null%s", name, last ? "" : ",");
    return;
  }
  qsort(s->v, s->n, sizeof *s->v, cmp64);
  double sum = 0;
  for (size_t k = 0; k < s->n; k++) sum += (double)s->v[k];
  const double ps[] = {0.5, 0.9, 0.99, 0.999};
  const char *names[] = {"p50", "p90", "p99", "p999"};
  printf("\"%s\":{\"count\":%zu,", name, s->n);
  for (int k = 0; k < 4; k++) {
    size_t idx = (size_t)ceil(ps[k] * (double)s->n);
    if (idx > 0) idx--;
    printf("\"%s\":%.1f,", names[k], (double)s->v[idx] / 1000.0);
  }
  printf("\"min\":%.1f,\"max\":%.1f,\"mean\":%.1f}%s", (double)s->v[0] / 1000.0, (double)s->v[s->n - 1] / 1000.0, sum / (double)s->n / 1000.0, last ? "" : ",");
}

static void usage(void) {
  fprintf(stderr, "usage: loadgen --port P [--host 127.0.0.1] [--rate 1000] [--duration 10] [--warmup 2] [--connections 16] [--path /] [--authority H] [--spin-us 150] [--header 'k: v']...\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1", *path = "/", *authority = NULL;
  const char *headers[MAX_HEADERS];
  int nheaders = 0, port = 0;
  double rate = 1000, duration = 10, warmup = 2;
  nconns = 16;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    const char *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (v == NULL) usage();
    if (strcmp(a, "--host") == 0) host = v;
    else if (strcmp(a, "--port") == 0) port = atoi(v);
    else if (strcmp(a, "--rate") == 0) rate = atof(v);
    else if (strcmp(a, "--duration") == 0) duration = atof(v);
    else if (strcmp(a, "--warmup") == 0) warmup = atof(v);
    else if (strcmp(a, "--connections") == 0) nconns = atoi(v);
    else if (strcmp(a, "--path") == 0) path = v;
    else if (strcmp(a, "--authority") == 0) authority = v;
    else if (strcmp(a, "--spin-us") == 0) spin_ns = (int64_t)(atof(v) * 1000);
    else if (strcmp(a, "--header") == 0 && nheaders < MAX_HEADERS) headers[nheaders++] = v;
    else usage();
    k++;
  }
  if (port <= 0 || port > 65535 || rate <= 0 || duration <= 0 || warmup < 0 || nconns < 1 || nconns > MAX_CONNS) usage();
  memset(&target, 0, sizeof target);
  target.sin_family = AF_INET;
  target.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &target.sin_addr) != 1) { fprintf(stderr, "loadgen: --host must be an IPv4 address, got %s\n", host); return 2; }

  int w = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, authority ? authority : host);
  for (int k = 0; k < nheaders; k++) w += snprintf(request + w, sizeof request - (size_t)w, "%s\r\n", headers[k]);
  w += snprintf(request + w, sizeof request - (size_t)w, "\r\n");
  if (w >= (int)sizeof request) { fprintf(stderr, "loadgen: request too long\n"); return 2; }
  request_len = (size_t)w;

  signal(SIGPIPE, SIG_IGN); // a peer that closed shows up as a write error, counted
  // The default 50 us timer slack would be most of what we try to measure.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  struct epoll_event tev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &tev);

  conns = calloc((size_t)nconns, sizeof *conns);
  if (conns == NULL) { perror("calloc"); return 1; }
  for (int i = 0; i < nconns; i++) { conns[i].fd = -1; open_conn(i); }

  // Connections first, so connection set-up is not counted as latency.
  int64_t connect_deadline = now_ns() + 5000000000LL;
  struct epoll_event evs[256];
  // Give up early when nothing accepts (each refused connect is retried at once).
  while (idle_len < nconns && now_ns() < connect_deadline && connect_failures < (uint64_t)nconns * 4) {
    int n = epoll_wait(epfd, evs, 256, 100);
    for (int k = 0; k < n; k++)
      if (evs[k].data.u32 != UINT32_MAX) on_event((int)evs[k].data.u32, evs[k].events);
  }
  if (idle_len == 0) { fprintf(stderr, "loadgen: could not connect to %s:%d\n", host, port); return 1; }

  struct rusage ru0;
  getrusage(RUSAGE_SELF, &ru0);
  const int64_t interval = (int64_t)(1e9 / rate);
  const int64_t start = now_ns() + 1000000;
  record_from_ns = start + (int64_t)(warmup * 1e9);
  const int64_t stop = record_from_ns + (int64_t)(duration * 1e9);
  uint64_t scheduled = 0, recorded_scheduled = 0;
  int64_t next = start;
  int64_t armed_at = 0; // the wake-up time the timer is set for
  int waiting = 0;       // whether we are waiting for `next` (to measure our own lateness)

  for (;;) {
    int64_t t = now_ns();
    if (next < stop && t >= next) {
      if (waiting) { push(&timer_lag, t - next); waiting = 0; }
      while (next <= t && next < stop) {
        enqueue(next);
        scheduled++;
        if (next >= record_from_ns) recorded_scheduled++;
        next = start + (int64_t)scheduled * interval;
      }
    }
    dispatch();
    int busy = 0;
    for (int i = 0; i < nconns; i++) busy += conns[i].state == C_BUSY;
    if (next >= stop && q_len == 0 && busy == 0) break;
    if (next >= stop && t > stop + 2000000000LL) break; // give stragglers 2 s
    int timeout;
    if (next < stop) {
      waiting = 1;
      // Sleep on the timer until shortly before the next send, then poll
      // without sleeping: timer wake-ups on a VM are tens of microseconds
      // late, which would otherwise land in every sample. Polling (not a bare
      // spin) keeps completions timestamped while we wait.
      int64_t wake = next - spin_ns;
      if (wake <= now_ns()) timeout = 0;
      else {
        if (armed_at != wake) {
          struct itimerspec its = {0};
          its.it_value.tv_sec = wake / 1000000000LL;
          its.it_value.tv_nsec = wake % 1000000000LL;
          timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
          armed_at = wake;
        }
        timeout = -1;
      }
    } else timeout = 100;
    int n = epoll_wait(epfd, evs, 256, timeout);
    for (int k = 0; k < n; k++) {
      if (evs[k].data.u32 == UINT32_MAX) {
        uint64_t expirations;
        while (read(tfd, &expirations, sizeof expirations) > 0) {}
        continue;
      }
      on_event((int)evs[k].data.u32, evs[k].events);
    }
  }
  int64_t end = now_ns();
  struct rusage ru1;
  getrusage(RUSAGE_SELF, &ru1);
  double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
               (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
  uint64_t unfinished = q_len;
  for (int i = 0; i < nconns; i++) unfinished += conns[i].state == C_BUSY;
  double wall = (double)(end - start) / 1e9;

  printf("{\"rate\":%.1f,\"warmup_s\":%.3f,\"duration_s\":%.3f,\"connections\":%d,", rate, warmup, duration, nconns);
  printf("\"scheduled\":%llu,\"recorded_scheduled\":%llu,\"completed\":%llu,\"errors\":%llu,\"non2xx\":%llu,\"unfinished\":%llu,",
         (unsigned long long)scheduled, (unsigned long long)recorded_scheduled, (unsigned long long)completed,
         (unsigned long long)errors, (unsigned long long)non2xx, (unsigned long long)unfinished);
  printf("\"connects\":%llu,\"connect_failures\":%llu,", (unsigned long long)connects, (unsigned long long)connect_failures);
  printf("\"achieved_rps\":%.1f,\"cpu_s\":%.3f,\"cpu_pct\":%.1f,", (double)latency.n / duration, cpu, 100.0 * cpu / wall);
  summary("latency_us", &latency, 0);
  summary("service_us", &service, 0);
  summary("timer_lag_us", &timer_lag, 1);
  printf("}\n");
  return 0;
}
