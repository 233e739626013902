/* --sign-module[=DIR]: sign the module pass 4 builds with the user's module signing key,
 * DIR/signing_key.priv and DIR/signing_key.x509 (DIR defaults to $SYSTEMTAP_DIR, else
 * ~/.systemtap), made with openssl on first use as kbuild makes its own key. The kernel
 * build tree's scripts/sign-file appends the signature. A Secure Boot machine loads the
 * module once the certificate is enrolled (mokutil --import DIR/signing_key.x509).
 *
 * The key is only used if nobody else could have read or replaced it: the directory is
 * owned by the user and writable by nobody else (and so is every directory above it, as
 * fsafe.h checks), the two files are regular files owned by the user with mode 0600. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsafe.h"
#include "passes.h"
#include "sha256.h"

#define KEY_NAME "signing_key.priv"
#define CERT_NAME "signing_key.x509"

/* the openssl req configuration of a new key: a self-signed code signing certificate */
static const char key_config[] =
	"[ req ]\n"
	"default_bits = 4096\n"
	"prompt = no\n"
	"string_mask = utf8only\n"
	"distinguished_name = subject\n"
	"x509_extensions = extensions\n"
	"\n"
	"[ subject ]\n"
	"O = SystemTap\n"
	"CN = SystemTap module signing key\n"
	"\n"
	"[ extensions ]\n"
	"basicConstraints = critical,CA:FALSE\n"
	"keyUsage = digitalSignature\n"
	"extendedKeyUsage = codeSigning\n"
	"subjectKeyIdentifier = hash\n"
	"authorityKeyIdentifier = keyid\n";

/* the key directory: --sign-module=DIR, $SYSTEMTAP_DIR or ~/.systemtap */
static const char *key_dir(struct session *s)
{
	const char *env = getenv("SYSTEMTAP_DIR");
	char home[PATH_MAX];

	if (s->opt.sign_dir && *s->opt.sign_dir) {
		char cwd[PATH_MAX];

		if (s->opt.sign_dir[0] == '/' || !getcwd(cwd, sizeof(cwd)))
			return s->opt.sign_dir;
		return arena_printf(&s->arena, "%s/%s", cwd, s->opt.sign_dir);
	}
	if (env && *env)
		return env;
	if (fs_home_dir(home, sizeof(home)))
		return NULL;
	return arena_printf(&s->arena, "%s/.systemtap", home);
}

/* 1 if PATH is there, 0 if not, -1 (reported) if it is there but must not be used */
static int key_file_state(struct session *s, const char *path)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		diag_plain(s, "error", "cannot use the signing key %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_plain(s, "error", "refusing the signing key %s: not a regular file", path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		diag_plain(s, "error", "refusing the signing key %s: owned by uid %u, not by you",
			   path, (unsigned)st.st_uid);
		return -1;
	}
	if (st.st_mode & 077) {
		diag_plain(s, "error", "refusing the signing key %s: its mode is %04o, others may read or change it (chmod 600 %s)",
			   path, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 1;
}

/* make a new key pair in DIR with openssl, into temporary names renamed into place */
static int make_key(struct session *s, const char *dir, const char *key, const char *cert)
{
	const char *conf = arena_printf(&s->arena, "%s/signing_key.cnf", s->paths.tmp_dir);
	const char *tkey = arena_printf(&s->arena, "%s.tmp%d", key, (int)getpid());
	const char *tcert = arena_printf(&s->arena, "%s.tmp%d", cert, (int)getpid());
	const char *argv[] = {
		"openssl", "req", "-new", "-nodes", "-utf8", "-sha256", "-days", "36500",
		"-batch", "-x509", "-config", conf, "-outform", "DER", "-out", tcert,
		"-keyout", tkey, NULL,
	};
	mode_t old;
	int rc;

	rc = fs_write_atomic(conf, key_config, sizeof(key_config) - 1, 0600);
	if (rc) {
		diag_plain(s, "error", "cannot write %s: %s", conf, strerror(-rc));
		return -1;
	}
	if (s->opt.verbose)
		fprintf(stderr, "Making a module signing key in %s\n", dir);
	old = umask(077);	/* the private key is never readable by others, not even briefly */
	rc = run_command(s, argv, NULL, RUN_QUIET);
	umask(old);
	unlink(conf);
	if (rc || chmod(tkey, 0600) || chmod(tcert, 0600) || rename(tkey, key) ||
	    rename(tcert, cert)) {
		unlink(tkey);
		unlink(tcert);
		diag_plain(s, "error", "cannot make a module signing key in %s: %s", dir,
			   rc > 0 ? "openssl req failed (is openssl installed?)" :
			   strerror(rc < 0 ? -rc : errno));
		return -1;
	}
	fprintf(stderr, "Made a module signing key in %s. A machine with Secure Boot loads modules signed with it once it is enrolled: mokutil --import %s, then reboot and confirm.\n",
		dir, cert);
	return 0;
}

int sign_prepare(struct session *s)
{
	const char *dir = key_dir(s), *key, *cert;
	char canon[PATH_MAX], *der;
	struct fs_why why;
	struct stat st;
	struct sha256 h;
	size_t len;
	int rc, lock, have_key, have_cert;

	if (s->opt.bpf) {
		diag_plain(s, "stap", "--sign-module signs kernel modules: it does not apply to --runtime=bpf");
		return -1;
	}
	/* before pass 4 builds anything: can it be signed at all? */
	s->sign_tool = arena_printf(&s->arena, "%s/scripts/sign-file", s->kern.build_dir);
	if (s->opt.last_pass >= 4 && access(s->sign_tool, X_OK)) {
		const char *r = s->kern.release, *dot = strchr(r, '.');
		int n = dot ? (int)(strcspn(dot + 1, ".-") + (size_t)(dot + 1 - r)) : (int)strlen(r);

		diag_plain(s, "error", "cannot sign the module: %s is missing (Debian: apt-get install linux-kbuild-%.*s, which linux-headers-%s depends on)",
			   s->sign_tool, n, r, r);
		return -1;
	}
	if (!dir) {
		diag_plain(s, "error", "no home directory for the module signing key: set SYSTEMTAP_DIR or give --sign-module=DIR");
		return -1;
	}
	rc = fs_trusted_dir(dir, 0700, canon, sizeof(canon), &why);
	if (rc == -EPERM) {
		diag_plain(s, "error", "refusing the signing key directory %s: %s", dir, why.msg);
		return -1;
	}
	if (rc) {
		diag_plain(s, "error", "cannot create the signing key directory %s: %s", dir,
			   strerror(-rc));
		return -1;
	}
	if (stat(canon, &st) || st.st_uid != geteuid()) {
		diag_plain(s, "error", "refusing the signing key directory %s: not owned by you",
			   dir);
		return -1;
	}
	key = arena_printf(&s->arena, "%s/" KEY_NAME, canon);
	cert = arena_printf(&s->arena, "%s/" CERT_NAME, canon);
	/* two staps making the first key at once would mix their halves: one at a time */
	lock = open(canon, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock >= 0)
		flock(lock, LOCK_EX);
	have_key = key_file_state(s, key);
	have_cert = key_file_state(s, cert);
	rc = have_key < 0 || have_cert < 0 ? -1 : 0;
	if (!rc && have_key != have_cert) {
		diag_plain(s, "error", "%s has %s but not %s: remove it, and a new key is made",
			   canon, have_key ? KEY_NAME : CERT_NAME, have_key ? CERT_NAME : KEY_NAME);
		rc = -1;
	}
	if (!rc && !have_key && (make_run_tmp_dir(s) || make_key(s, canon, key, cert)))
		rc = -1;
	if (lock >= 0)
		close(lock);
	if (rc)
		return -1;
	if (read_file(cert, &der, &len)) {
		diag_plain(s, "error", "cannot read %s", cert);
		return -1;
	}
	/* the cache keeps modules signed with different keys apart */
	sha256_init(&h);
	sha256_update(&h, der, len);
	sha256_hex(&h, s->sign_fingerprint);
	free(der);
	s->sign_key = key;
	s->sign_cert = cert;
	return 0;
}

int sign_module_file(struct session *s, const char *ko)
{
	const char *argv[] = { s->sign_tool, "sha256", s->sign_key, s->sign_cert, ko, NULL };
	int rc;

	if (s->opt.verbose)
		fprintf(stderr, "Pass 4: signing %s with %s\n", ko, s->sign_cert);
	rc = run_command(s, argv, NULL, RUN_QUIET);
	if (rc) {
		diag_plain(s, "error", "signing %s failed (%s status %d)", ko, s->sign_tool, rc);
		return -1;
	}
	return 0;
}
