/*
 * synth.h -- deterministic synthetic log records for benchmarks, shared by
 * scripts/genlog.c (writes them as text) and scripts/bench_ceiling.c
 * (inserts them already split).  Header-only so both stay one file each.
 */
#ifndef ST_SYNTH_H
#define ST_SYNTH_H
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct synth_rec {
    int64_t time_us;          /* UTC */
    int32_t off_min;
    uint64_t thread, activity;
    int64_t pid;
    const char *type, *process, *sender, *subsystem, *category;
    char message[200];
} synth_rec;

static const char *const synth_procs[][4] = {
    /* process, sender, subsystem, category */
    {"kernel", "AppleMobileFileIntegrity", "", ""},
    {"lsd", "Security", "com.apple.securityd", "security_exception"},
    {"amfid", "amfid", "com.apple.MobileFileIntegrity", "amfid"},
    {"syspolicyd", "syspolicyd", "com.apple.syspolicy.exec", "default"},
    {"runningboardd", "RunningBoard", "com.apple.runningboard", "process"},
    {"WindowServer", "SkyLight", "com.apple.SkyLight", "default"},
    {"mDNSResponder", "mDNSResponder", "com.apple.mDNSResponder", "Default"},
    {"Safari", "WebKit", "com.apple.WebKit", "Loading"},
    {"trustd", "Security", "com.apple.securityd", "trust"},
    {"launchd", "launchd", "system", ""},
};
static const char *const synth_words[] = {
    "connection", "validating", "signature", "request", "process", "window",
    "failed", "bundle", "record", "launch", "path", "cache", "entry", "state",
    "update", "network", "flow", "timer", "client", "server", "handle",
};

static uint64_t synth_rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Fills the i-th record; *state carries the generator between calls. */
static void synth_next(uint64_t *state, int64_t i, synth_rec *r)
{
    uint64_t x = synth_rng(state);
    r->time_us = 1732100000000000LL + i * 997 + (int64_t)(x % 500);
    r->off_min = -480;
    r->thread = 0x1000 + (x >> 8) % 0x7ffff;
    r->activity = (x >> 40) % 7 == 0 ? (x >> 20) % 0xfffff : 0;
    int p = (int)((x >> 12) % 10);
    r->pid = p == 0 ? 0 : 100 + p * 37;
    unsigned t = (unsigned)((x >> 30) % 20);
    r->type = t < 14 ? "Default" : t < 18 ? "Info" : t < 19 ? "Error" : "Fault";
    r->process = synth_procs[p][0];
    r->sender = synth_procs[p][1];
    r->subsystem = synth_procs[p][2];
    r->category = synth_procs[p][3];
    if ((x >> 50) % 9 == 0) {
        snprintf(r->message, sizeof r->message, "MacOS error: -%d",
                 67000 + (int)((x >> 20) % 70));
        return;
    }
    size_t o = 0;
    int words = 3 + (int)((x >> 44) % 8);
    for (int w = 0; w < words && o + 24 < sizeof r->message; w++) {
        uint64_t y = synth_rng(state);
        o += (size_t)snprintf(r->message + o, sizeof r->message - o, "%s%s",
                              w ? " " : "", synth_words[y % 21]);
        if (y % 5 == 0)
            o += (size_t)snprintf(r->message + o, sizeof r->message - o,
                                  " 0x%llx", (unsigned long long)(y >> 30));
    }
}
#endif
