/*
 * Locks of global variables.  A probe hit takes the locks of every global
 * its handler (and the functions it calls) touches, all at its start, in the
 * translator's fixed order: readers share, a writer excludes.  A lock is
 * only ever tried (MAXTRYLOCK times, TRYLOCKDELAY us apart), never waited
 * for, so no hit can spin forever; a hit that cannot get its locks is
 * skipped and counted (error.h: past MAXSKIPPED the session ends).
 */
#ifndef _STP_LOCK_H
#define _STP_LOCK_H

static bool _stp_lock_try(struct _stp_rwlock *l, bool write)
{
	int v = atomic_read(&l->cnt);

	if (write)
		return v == 0 && atomic_cmpxchg(&l->cnt, 0, -1) == 0;
	return v >= 0 && atomic_cmpxchg(&l->cnt, v, v + 1) == v;
}

static void _stp_lock_release(struct _stp_rwlock *l, bool write)
{
	if (write)
		atomic_set_release(&l->cnt, 0);
	else
		atomic_dec(&l->cnt);
}

static bool _stp_lock_one(struct _stp_rwlock *l, bool write)
{
	int tries;

	for (tries = 0; tries < MAXTRYLOCK; tries++) {
		/* a reader may lose a cmpxchg race to another reader: retry
		 * at once a few times before counting it as contention */
		int spins;

		for (spins = 0; spins < 8; spins++) {
			if (_stp_lock_try(l, write))
				return true;
			cpu_relax();
		}
		udelay(TRYLOCKDELAY);
	}
	atomic_inc(&l->contention);
	return false;
}

bool _stp_lock_all(const struct _stp_lockreq *req, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!_stp_lock_one(req[i].lock, req[i].write)) {
			while (--i >= 0)
				_stp_lock_release(req[i].lock, req[i].write);
			_stp_probe_skipped();
			return false;
		}
	}
	return true;
}

void _stp_unlock_all(const struct _stp_lockreq *req, int n)
{
	while (--n >= 0)
		_stp_lock_release(req[n].lock, req[n].write);
}

#endif /* _STP_LOCK_H */
