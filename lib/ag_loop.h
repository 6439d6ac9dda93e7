/* ag_loop.h: the one event loop, as the libraries living on it need it.
 *
 * A thin layer over a libevent event_base (borrowed: the process creates and runs it) with the
 * three things an asynchronous library asks of its host loop: watches on file descriptors whose
 * interest changes (read, write, both, none), millisecond timers that can be stopped and re-armed,
 * and deferred calls that run once on the next loop turn. libmicrohttpd, libpq and later
 * libcurl's multi socket API (CURLMOPT_SOCKETFUNCTION maps to ag_watch_create/ag_watch_set/
 * ag_watch_destroy, CURLMOPT_TIMERFUNCTION to ag_timer_start/ag_timer_stop) sit on it, so that
 * nothing outside lib/ calls libevent for them.
 *
 * Every object is created by its _create() (NULL when out of memory) and owned by the caller
 * until its _destroy() (NULL is accepted). Destroying an object from inside its own callback is
 * allowed. Callbacks run on the loop, never inside the call that arms them.
 */
#ifndef AG_LOOP_H
#define AG_LOOP_H

struct event_base;

/* What a watch waits for, and what fired. */
enum { AG_WATCH_READ = 1, AG_WATCH_WRITE = 2 };

struct ag_watch;
typedef void (*ag_watch_cb)(void *arg, int fd, unsigned fired /* AG_WATCH_* bits */);

/* Watches fd (borrowed: the caller closes it, after destroying the watch) for what (0: created
 * paused). cb runs on every loop turn in which a wanted condition holds (level triggered). */
struct ag_watch *ag_watch_create(struct event_base *base, int fd, unsigned what, ag_watch_cb cb,
                                 void *arg);
/* Changes the interest; 0 pauses the watch. Returns AG_OK or AG_EIO. */
int ag_watch_set(struct ag_watch *w, unsigned what);
/* For a library whose socket may change (libpq while connecting, after a reconnect): makes *w
 * a watch on fd with interest what, creating it, or replacing it when it watches another fd.
 * Returns AG_OK, AG_ENOMEM (then *w is NULL) or AG_EIO. */
int ag_watch_ensure(struct ag_watch **w /* in/out, owned */, struct event_base *base, int fd,
                    unsigned what, ag_watch_cb cb, void *arg);
unsigned ag_watch_what(const struct ag_watch *w);
void ag_watch_destroy(struct ag_watch *w);

struct ag_timer;
typedef void (*ag_timer_cb)(void *arg);

/* A stopped timer. */
struct ag_timer *ag_timer_create(struct event_base *base, ag_timer_cb cb, void *arg);
/* Arms the timer to fire once, ms (>= 0; 0: on the next loop turn) from now, replacing an expiry
 * still pending. Returns AG_OK or AG_EIO. */
int ag_timer_start(struct ag_timer *t, long ms);
void ag_timer_stop(struct ag_timer *t);
int ag_timer_pending(const struct ag_timer *t);
void ag_timer_destroy(struct ag_timer *t);

struct ag_defer;
typedef void (*ag_defer_cb)(void *arg);

struct ag_defer *ag_defer_create(struct event_base *base, ag_defer_cb cb, void *arg);
/* cb runs once on the next loop turn; scheduling again before it ran changes nothing. */
void ag_defer_schedule(struct ag_defer *d);
void ag_defer_cancel(struct ag_defer *d);
void ag_defer_destroy(struct ag_defer *d);

#endif
