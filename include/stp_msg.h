/*
 * The wire protocol between staprun and a running module.
 *
 * Shared verbatim by the kernel runtime (runtime/transport/) and staprun, so
 * it uses only fixed-width types from <linux/types.h>, which both sides have.
 * All fields are in the host's byte order: module and staprun run on the same
 * machine.
 *
 * Two kinds of files live in /sys/kernel/debug/systemtap/<module>/, or, when
 * the module finds debugfs unusable (debugfs=off, a locked-down kernel), in
 * /proc/systemtap/<module>/ where the control file is named `.cmd`
 * (STP_PROC_CTL):
 *
 *  ctl      framed control messages in both directions: a struct stp_msg_hdr,
 *           then hdr.len payload bytes.  A write() carries exactly one whole
 *           message; a read() returns one or more whole messages, never a
 *           partial one, and fails with EMSGSIZE when the buffer cannot hold
 *           the next message (STP_MSG_MAX bytes always suffice).  read()
 *           blocks until there is a message, or fails with EAGAIN under
 *           O_NONBLOCK; poll() reports POLLIN, but messages queued by probes
 *           wake nobody: poll with a timeout.
 *  traceN   the output of probes that ran on CPU N: a stream of chunks, each a
 *           struct stp_trace_chunk then chunk.len bytes of script output.  A
 *           read() returns what is there, up to its count (a chunk may be
 *           split across reads), or 0 when nothing is: it never blocks.
 *
 * Chunks carry a sequence number that is global to the module: output is
 * ordered across CPUs by merging the trace files on it (see staprun/trace.c).
 * Sequence numbers start at 1 and have no gaps: a chunk that does not fit in
 * its buffer is dropped before it is numbered.
 */
#ifndef STP_MSG_H
#define STP_MSG_H

#include <linux/types.h>

/* Message types; the direction each travels is fixed. */
enum stp_msg_type {
	STP_MSG_START = 1,	/* user->module: struct stp_msg_start */
	STP_MSG_STARTED = 2,	/* module->user: struct stp_msg_status, rc */
	STP_MSG_REQUEST_EXIT = 3, /* module->user: no payload; exit() or a
				   * fatal error: please send STP_MSG_EXIT */
	STP_MSG_EXIT = 4,	/* user->module: no payload; stop the session */
	STP_MSG_EXITED = 5,	/* module->user: struct stp_msg_status, the
				   * session's exit status (0 or 1) */
	STP_MSG_OOB = 6,	/* module->user: text for stderr, whole lines,
				   * not NUL-terminated */
	STP_MSG_SYSTEM = 7,	/* module->user: a shell command for system(),
				   * not NUL-terminated; staprun runs it with
				   * /bin/sh -c in the background */
};

struct stp_msg_hdr {
	__u32 type;		/* enum stp_msg_type */
	__u32 len;		/* payload bytes following the header */
};

struct stp_msg_start {
	__s32 target_pid;	/* -c/-x process, or 0 */
};

struct stp_msg_status {
	__s32 status;		/* STARTED: 0 or -errno; EXITED: exit status */
};

/* Largest payload of any message; longer OOB text is truncated. */
#define STP_MSG_MAX_PAYLOAD 8192
/* A read() buffer of this size always holds the next ctl message. */
#define STP_MSG_MAX (sizeof(struct stp_msg_hdr) + STP_MSG_MAX_PAYLOAD)

struct stp_trace_chunk {
	__u64 seq;		/* global order of this chunk, from 1 */
	__u32 len;		/* bytes of output following the header */
	__u32 cpu;		/* CPU the chunk was written on (diagnostic), or
				 * STP_TRACE_SWITCH_FILE */
};

/* No chunk is longer: the module's print buffer (STP_BUFSIZE) is far smaller.
 * staprun takes a longer one for corrupt output and stops reading that CPU. */
#define STP_TRACE_CHUNK_MAX (1u << 20)

/* A chunk of no bytes with this cpu is switch_file(): with staprun -o, the
 * chunks after it go to the next output file. */
#define STP_TRACE_SWITCH_FILE 0xffffffffu

/* Module parameter staprun -s sets: output buffer per CPU, in MiB, at most
 * STP_BUFSIZE_MB_MAX (stap -s and staprun -s take 1..STP_BUFSIZE_MB_MAX). */
#define STP_BUFSIZE_PARAM "_stp_bufsize"
#define STP_BUFSIZE_MB_MAX 1024

/* The session's directories, tried in this order by staprun, and the names
 * of the control file in each. */
#define STP_DEBUGFS_DIR "/sys/kernel/debug/systemtap"
#define STP_DEBUGFS_CTL "ctl"
#define STP_PROC_DIR "/proc/systemtap"
#define STP_PROC_CTL ".cmd"

/* Module parameters staprun sets from the module's .modinfo: stap -b's
 * "stap_bulk" (output per CPU, read back by staprun -A from
 * /sys/module/NAME/parameters) and stap -F's "stap_flight" (a full ring
 * overwrites its oldest output instead of dropping the newest); and from
 * staprun -r N:URI, the values of remote_id() and remote_uri(). */
#define STP_BULK_PARAM "_stp_bulk"
#define STP_FLIGHT_PARAM "_stp_flight"
#define STP_REMOTE_ID_PARAM "_stp_remote_id"
#define STP_REMOTE_URI_PARAM "_stp_remote_uri"

#endif /* STP_MSG_H */
