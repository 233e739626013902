/*
 * Compile-time limits of a generated module.  Every one is an #ifndef
 * default, so `stap -D NAME=VALUE` (a -D on the compiler command line)
 * overrides it.  Values follow systemtap 4.8 on 64-bit.
 */
#ifndef _STP_LIMITS_H
#define _STP_LIMITS_H

#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 512	/* bytes in a string value, NUL included */
#endif
#ifndef MAXACTION
#define MAXACTION 1000		/* statements per probe hit */
#endif
#ifndef MAXACTION_INTERRUPTIBLE
#define MAXACTION_INTERRUPTIBLE (MAXACTION * 10) /* begin/end/error probes */
#endif
#ifndef MAXERRORS
#define MAXERRORS 0		/* errors tolerated before the session ends */
#endif
#ifndef MAXSKIPPED
#define MAXSKIPPED 100		/* skipped hits tolerated before it ends */
#endif
#ifndef MAXNESTING
#define MAXNESTING 10		/* script function call depth */
#endif
#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES 2048	/* rows of a global array unless sized */
#endif
#ifndef MAXTRYLOCK
#define MAXTRYLOCK 100		/* attempts to lock a global ... */
#endif
#ifndef TRYLOCKDELAY
#define TRYLOCKDELAY 10		/* ... with this many microseconds between */
#endif
#ifndef MINSTACKSPACE
#define MINSTACKSPACE 1024	/* kernel stack bytes a handler needs */
#endif
#ifndef MAXBACKTRACE
#define MAXBACKTRACE 20		/* unwinder depth */
#endif
#ifndef STP_BUFSIZE
#define STP_BUFSIZE 8192	/* per-CPU print buffer: the most one probe
				 * hit buffers before it is flushed early */
#endif
#ifndef STP_TRACE_BUFSIZE_MB
#define STP_TRACE_BUFSIZE_MB 1	/* per-CPU output ring, unless staprun -s */
#endif
#ifndef STP_TRACE_WAIT_MS
#define STP_TRACE_WAIT_MS 60000	/* between begin/end probes: how long staprun
				 * may take nothing before output is dropped */
#endif
#ifndef STP_CTL_BUFSIZE
#define STP_CTL_BUFSIZE 65536	/* queued ctl messages (OOB text) */
#endif

#ifndef STP_MAX_BUCKETS
#define STP_MAX_BUCKETS 128	/* histogram buckets; at least 128 (log) */
#endif
#ifndef STP_OVERLOAD_THRESHOLD
#define STP_OVERLOAD_THRESHOLD 500000000LL /* cycles in probes ... */
#endif
#ifndef STP_OVERLOAD_INTERVAL
#define STP_OVERLOAD_INTERVAL 1000000000LL /* ... per this many cycles */
#endif

#if STP_MAX_BUCKETS < 128
#error "STP_MAX_BUCKETS must be at least 128"
#endif
#if MAXSTRINGLEN < 16 || STP_BUFSIZE < MAXSTRINGLEN
#error "MAXSTRINGLEN must be at least 16 and at most STP_BUFSIZE"
#endif
#if STP_BUFSIZE > (1 << 20)
#error "STP_BUFSIZE must be at most 1 MiB (STP_TRACE_CHUNK_MAX, include/stp_msg.h)"
#endif

#endif /* _STP_LIMITS_H */
