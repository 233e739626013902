/*
 * The session: one run of the script, from staprun's START to its EXIT.
 *
 * State moves only forward:
 *   LOADED -> STARTING -> RUNNING -> STOPPING or ERROR -> STOPPED
 * A probe runs only in the state of its kind (probe.h): begin probes while
 * STARTING, event probes while RUNNING, end probes while STOPPING, error
 * probes while ERROR.  exit() moves STARTING/RUNNING to STOPPING; an error
 * beyond MAXERRORS (or too many skipped hits) moves any live state to ERROR.
 * Either also asks staprun, through a REQUEST_EXIT message, to send EXIT.
 */
#ifndef _STP_SESSION_H
#define _STP_SESSION_H

enum _stp_session_state {
	STP_SESSION_LOADED,	/* module loaded, no START yet */
	STP_SESSION_STARTING,	/* _stp_script_init() and begin probes */
	STP_SESSION_RUNNING,	/* event probes run */
	STP_SESSION_STOPPING,	/* exit() or staprun: end probes pending */
	STP_SESSION_ERROR,	/* fatal error: error probes pending */
	STP_SESSION_STOPPED,	/* nothing runs any more */
};

/* exit_req: staprun is told once, by the next ctl read (transport/ctl.h). */
enum {
	STP_EXIT_NONE,		/* nobody asked */
	STP_EXIT_PENDING,	/* asked, REQUEST_EXIT not read by staprun yet */
	STP_EXIT_SENT,		/* REQUEST_EXIT handed to staprun */
};

struct _stp_session {
	atomic_t state;		/* enum _stp_session_state */
	atomic_t exit_req;	/* STP_EXIT_* */
	atomic_t errors;	/* errors reported so far */
	atomic_t skipped;	/* probe hits skipped, for any reason */
	atomic_t skipped_limited; /* those that count toward MAXSKIPPED */
	atomic_t skipped_reentrant; /* a hit inside another on its CPU */
	atomic_t skipped_lowstack; /* less than MINSTACKSPACE stack left */
	pid_t target;		/* target(): staprun -c/-x pid, or 0 */
};

static struct _stp_session _stp_session = {
	.state = ATOMIC_INIT(STP_SESSION_LOADED),
	.exit_req = ATOMIC_INIT(STP_EXIT_NONE),
};

static inline int _stp_session_state(void)
{
	return atomic_read(&_stp_session.state);
}

/* target(): the pid staprun passed in START (-c child or -x PID), or 0. */
pid_t _stp_target(void)
{
	return _stp_session.target;
}

/* remote_id(), remote_uri(): stap --remote's index of this run among its hosts and
 * the URI, from staprun -r N:URI; -1 and "" otherwise */
long _stp_remote_id = -1;
module_param(_stp_remote_id, long, 0);
MODULE_PARM_DESC(_stp_remote_id, "index of this run among stap's --remote hosts");
char *_stp_remote_uri = "";
module_param(_stp_remote_uri, charp, 0);
MODULE_PARM_DESC(_stp_remote_uri, "the --remote URI of this run");

/* module_name(): this module's name */
const char *_stp_module_name(void)
{
	return THIS_MODULE->name;
}

/*
 * Ask for the session's end, as the script's exit() does.  Safe in any
 * context: it only flips atomics (no wake-up; staprun polls).  The calling
 * handler runs to its end; later begin and event probes do not run; end
 * probes do, once staprun answers with EXIT.
 */
void _stp_exit(void)
{
	atomic_cmpxchg(&_stp_session.state, STP_SESSION_STARTING,
		       STP_SESSION_STOPPING);
	atomic_cmpxchg(&_stp_session.state, STP_SESSION_RUNNING,
		       STP_SESSION_STOPPING);
	atomic_cmpxchg(&_stp_session.exit_req, STP_EXIT_NONE,
		       STP_EXIT_PENDING);
}

/*
 * End the session because of an error: no more begin, event or end probes;
 * error probes run at EXIT.  Safe in any context.
 */
static inline void _stp_session_fail(void)
{
	int st = atomic_read(&_stp_session.state);

	while (st == STP_SESSION_STARTING || st == STP_SESSION_RUNNING ||
	       st == STP_SESSION_STOPPING) {
		int old = atomic_cmpxchg(&_stp_session.state, st,
					 STP_SESSION_ERROR);
		if (old == st)
			break;
		st = old;
	}
	atomic_cmpxchg(&_stp_session.exit_req, STP_EXIT_NONE,
		       STP_EXIT_PENDING);
}

#endif /* _STP_SESSION_H */
