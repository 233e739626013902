/* stapbpf: the description of a BPF object that stap writes (translator/bpf/) into the
 * object's .stapmeta section, one record per line, fields separated by one blank,
 * text fields with \\ and \NNN (octal) escapes:
 *   stapbpf 1                         version
 *   msl N                             MAXSTRINGLEN
 *   G IDX NAME l|s OFFSET [INIT]      a scalar global at OFFSET in the map __g
 *   M IDX NAME l|s NKEYS KINDS VSIZE  an array mIDX (KINDS: one l or s per key column)
 *   M IDX NAME S NKEYS KINDS VSIZE H  a statistic sIDX (per-CPU), H: none | log |
 *                                     linear START STOP INTERVAL
 *   P begin|end|error PP PRIORITY     a probe; its parts follow as S and F lines
 *   P timer PP PERIOD_NS PER_CPU      an event probe: program of its S line attached
 *   P perf PP TYPE CONFIG N FREQ     a perf event on every CPU, every N events (N hz)
 *   P trace PP SYSTEM/NAME           a perf tracepoint
 *   P raw PP SYSTEM/NAME             a raw tracepoint (BPF_RAW_TRACEPOINT_OPEN)
 *   P uprobe PP N                    a process probe: N U lines follow
 *   U PATH OFFSET RET SEMA COOKIE     one uprobe (RET 1: a uretprobe), SEMA the offset of
 *                                     its marker's semaphore (0: none), COOKIE its site
 *   S PROG                            run (or attach) program __progPROG
 *   F PROG MAP SORTKEY DIR AGGR LIMIT foreach: run __progPROG for each element of
 *                                     mMAP/sMAP, sorted in user space
 *   W ID TEXT                         "near TEXT" of an error
 *   X ID TEXT                         an error message (id 1: the record's own text)
 *   R ID N                            output format ID, N items follow:
 *   i T TEXT | i C SPEC NARGS KINDS | i H MAP
 * The records of the ring buffer __rb start with u32 type, u32 id: 1 print (format id,
 * then the arguments: 8 bytes a long, MSL a string), 2 error (message id; where at 8,
 * text at 16), 3 exit. The map __g starts with s64 state (0 loaded, 1 running,
 * 2 stopping), target, ncpu, realtime - boottime offset, bytes of output dropped, errors. */
#ifndef STAPBPF_META_H
#define STAPBPF_META_H

#define META_GLOBALS_STATE 0
#define META_GLOBALS_TARGET 8
#define META_GLOBALS_NCPU 16
#define META_GLOBALS_RTOFF 24
#define META_GLOBALS_DROPPED 32
#define META_GLOBALS_ERRORS 40

enum rec_type { REC_PRINT = 1, REC_ERROR = 2, REC_EXIT = 3 };

#endif
