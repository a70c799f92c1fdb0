#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H

#include <libpq-fe.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

/* PG_DIAG_* are character-literal macros, which Swift does not import. */
enum {
    CLIBPQ_DIAG_SEVERITY = PG_DIAG_SEVERITY_NONLOCALIZED,
    CLIBPQ_DIAG_SQLSTATE = PG_DIAG_SQLSTATE,
    CLIBPQ_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY,
    CLIBPQ_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL,
    CLIBPQ_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT,
    CLIBPQ_DIAG_SCHEMA_NAME = PG_DIAG_SCHEMA_NAME,
    CLIBPQ_DIAG_TABLE_NAME = PG_DIAG_TABLE_NAME,
    CLIBPQ_DIAG_COLUMN_NAME = PG_DIAG_COLUMN_NAME,
    CLIBPQ_DIAG_CONSTRAINT_NAME = PG_DIAG_CONSTRAINT_NAME,
};

/*
 * Non-blocking readiness probe used before handing out an idle connection:
 * returns 1 when the socket has data or was closed by the peer, 0 when it is
 * quiet, -1 on error (errno set).
 */
static inline int clibpq_socket_has_input(int socket) {
    struct pollfd fd = { .fd = socket, .events = POLLIN, .revents = 0 };
    int rc;
    do {
        rc = poll(&fd, 1, 0);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -1;
    return rc > 0 ? 1 : 0;
}

/*
 * Blocks until `socket` or `wake` becomes readable (or `timeout_ms` passes,
 * -1 = forever). Bit 1 of the result: socket ready; bit 2: wake ready;
 * -1 on error (errno set). Used by the LISTEN thread so that it can be woken
 * up for shutdown without polling on a timer.
 */
static inline int clibpq_wait_for_input(int socket, int wake, int timeout_ms) {
    struct pollfd fds[2] = {
        { .fd = socket, .events = POLLIN, .revents = 0 },
        { .fd = wake, .events = POLLIN, .revents = 0 },
    };
    int rc;
    do {
        rc = poll(fds, 2, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -1;
    int result = 0;
    if (fds[0].revents != 0) result |= 1;
    if (fds[1].revents != 0) result |= 2;
    return result;
}

/* Identifies the calling thread; used to know whether we already run on a connection's thread. */
static inline uintptr_t clibpq_current_thread(void) {
    return (uintptr_t)pthread_self();
}

/* A self-pipe for waking the LISTEN thread: fds[0] read end, fds[1] write end. */
static inline int clibpq_make_wake_pipe(int fds[2]) {
    return pipe(fds);
}

static inline void clibpq_signal_wake_pipe(int write_fd) {
    char byte = 1;
    ssize_t rc;
    do {
        rc = write(write_fd, &byte, 1);
    } while (rc < 0 && errno == EINTR);
}

static inline void clibpq_close_fd(int fd) {
    if (fd >= 0) close(fd);
}

#endif
