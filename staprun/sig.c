/*
 * Module signatures for members of stapusr: a module outside
 * /lib/modules/RELEASE/systemtap/ may still be run when it carries a
 * signature (as kbuild's scripts/sign-file appends it, what stap
 * --sign-module does) made with a key whose certificate the administrator
 * put in STAPRUN_TRUST_DIR: a root-owned directory that only root may change,
 * holding root-owned certificates (DER or PEM, NAME.x509 or NAME.pem) that
 * only root may change.
 *
 * The appended signature is: the PKCS#7/CMS SignedData (detached, over every
 * byte before it), a struct module_signature (the PKCS#7's length, big
 * endian, in its last four bytes) and the marker "~Module signature
 * appended~\n".  The image checked is the one in memory that is loaded.
 * OpenSSL's libcrypto verifies it: the signer's certificate must be one of
 * the trusted ones (no chain, no certificate from the signature itself).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "staprun.h"

#define SIG_MARKER "~Module signature appended~\n"
#define SIG_INFO_LEN 12		/* struct module_signature */
#define PKEY_ID_PKCS7 2

/* The signed part and the PKCS#7 of an image; false when it has no signature. */
static bool split_signature(const unsigned char *img, size_t size, size_t *signed_len,
			    const unsigned char **p7, size_t *p7_len)
{
	size_t marker = sizeof(SIG_MARKER) - 1;
	const unsigned char *info;
	size_t len;

	if (size < marker + SIG_INFO_LEN || memcmp(img + size - marker, SIG_MARKER, marker))
		return false;
	info = img + size - marker - SIG_INFO_LEN;
	len = (size_t)info[8] << 24 | (size_t)info[9] << 16 | (size_t)info[10] << 8 | info[11];
	if (info[2] != PKEY_ID_PKCS7 || len == 0 || len > size - marker - SIG_INFO_LEN)
		return false;
	*p7 = info - len;
	*p7_len = len;
	*signed_len = (size_t)(*p7 - img);
	return true;
}

bool sig_present(const void *img, size_t size)
{
	const unsigned char *p7;
	size_t n, p7_len;

	return split_signature(img, size, &n, &p7, &p7_len);
}

/* A certificate file, DER or PEM; NULL if it is neither. */
static X509 *read_cert(int fd)
{
	BIO *bio = BIO_new_fd(fd, BIO_NOCLOSE);
	X509 *x = NULL;

	if (!bio)
		return NULL;
	x = d2i_X509_bio(bio, NULL);
	if (!x && BIO_reset(bio) == 0 && lseek(fd, 0, SEEK_SET) == 0)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

/* The trusted certificates; NULL (reported in *why) when the directory is unsafe or empty. */
static STACK_OF(X509) *trusted_certs(char *why, size_t cap)
{
	STACK_OF(X509) *certs;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int dfd;

	if (priv_check_root_dir(STAPRUN_TRUST_DIR, why, cap))
		return NULL;
	dfd = open(STAPRUN_TRUST_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		snprintf(why, cap, "cannot read %s: %s", STAPRUN_TRUST_DIR, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return NULL;
	}
	certs = sk_X509_new_null();
	while (certs && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		X509 *x;
		int fd;

		if (de->d_name[0] == '.' || n < 5 || (strcmp(de->d_name + n - 5, ".x509") &&
						      strcmp(de->d_name + n - 4, ".pem")))
			continue;
		fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* a certificate someone else could have put there trusts nothing */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
		    !(st.st_mode & (S_IWGRP | S_IWOTH)) && (x = read_cert(fd))) {
			if (!sk_X509_push(certs, x))
				X509_free(x);
		}
		close(fd);
	}
	closedir(d);
	if (certs && sk_X509_num(certs) == 0) {
		snprintf(why, cap, "%s holds no certificate (NAME.x509 or NAME.pem, root's, "
			 "writable only by root)", STAPRUN_TRUST_DIR);
		sk_X509_free(certs);
		return NULL;
	}
	if (!certs)
		snprintf(why, cap, "out of memory");
	return certs;
}

/*
 * Is the image signed by a trusted key?  0, or -EPERM with the reason in
 * `why` (no signature, no trusted certificate, a signature that does not
 * verify).
 */
int sig_verify(const void *img, size_t size, char *why, size_t cap)
{
	const unsigned char *p7;
	size_t signed_len, p7_len;
	STACK_OF(X509) *certs;
	BIO *sig_bio = NULL, *data = NULL;
	CMS_ContentInfo *cms = NULL;
	int rc = -EPERM;

	if (!split_signature(img, size, &signed_len, &p7, &p7_len)) {
		snprintf(why, cap, "it is not signed (build it with stap --sign-module)");
		return -EPERM;
	}
	/* no openssl.cnf: nothing but the code linked in, whatever the system has */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	if (size > INT_MAX) {
		snprintf(why, cap, "it is too large");
		return -EPERM;
	}
	certs = trusted_certs(why, cap);
	if (!certs)
		return -EPERM;
	sig_bio = BIO_new_mem_buf(p7, (int)p7_len);
	data = BIO_new_mem_buf(img, (int)signed_len);
	if (sig_bio && data)
		cms = d2i_CMS_bio(sig_bio, NULL);
	if (!cms) {
		snprintf(why, cap, "its signature is malformed");
	} else if (CMS_verify(cms, certs, NULL, data, NULL,
			      CMS_BINARY | CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY) == 1) {
		rc = 0;
	} else {
		const char *r = ERR_reason_error_string(ERR_peek_last_error());

		snprintf(why, cap, "its signature was not made by a key trusted in %s (%s)",
			 STAPRUN_TRUST_DIR, r ? r : "no match");
	}
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	BIO_free(sig_bio);
	BIO_free(data);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}
