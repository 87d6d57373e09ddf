/* A slow card for the bench: every fsync and fdatasync waits RELAIS_BENCH_FSYNC_MS (default 10) milliseconds
 * before it runs, as an SD card's flush does. Built by bench/kiosk_bench.py with the machine's C compiler
 * and loaded into the kiosk with LD_PRELOAD; never part of the kiosk itself. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void wait_like_a_card(void) {
    const char *text = getenv("RELAIS_BENCH_FSYNC_MS");
    long ms = text ? atol(text) : 10;
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    wait_like_a_card();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    wait_like_a_card();
    return real(fd);
}
