#include "kernel/drives.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *drive_dir(const struct kconfig *cfg, char letter, bool *read_only)
{
	letter = (char)toupper((unsigned char)letter);
	if (letter == 'C' && cfg->root) {
		if (read_only)
			*read_only = false;
		return cfg->root;
	}
	for (unsigned i = 0; i < cfg->nmounts; i++) {
		if (cfg->mounts[i].letter == letter) {
			if (read_only)
				*read_only = cfg->mounts[i].read_only;
			return cfg->mounts[i].dir;
		}
	}
	return NULL;
}

/* Length of `dir` if `path` is `dir` itself or lies below it, else 0. */
static size_t prefix_len(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(dir, path, n) || (path[n] && path[n] != '/' && !(n == 1 && dir[0] == '/')))
		return 0;
	return n;
}

bool drive_dos_path(const struct kconfig *cfg, const char *host_path, char *out, size_t size)
{
	size_t best = 0;
	char letter = 0;
	for (char l = 'C'; l <= 'Z'; l++) {
		const char *dir = drive_dir(cfg, l, NULL);
		size_t n = dir ? prefix_len(dir, host_path) : 0;
		if (n > best) {
			best = n;
			letter = l;
		}
	}
	if (!letter)
		return false;
	const char *rest = host_path + best;
	if (*rest == '/' && best > 1)
		rest++;
	else if (best == 1)
		rest = host_path + 1;
	size_t need = 3 + strlen(rest) + 1;
	if (need > size)
		return false;
	out[0] = letter;
	out[1] = ':';
	out[2] = '\\';
	size_t i = 3;
	for (const char *s = rest; *s; s++)
		out[i++] = *s == '/' ? '\\' : *s;
	out[i] = 0;
	return true;
}

char drive_free_letter(const struct kconfig *cfg)
{
	for (char l = 'D'; l <= 'Z'; l++)
		if (!drive_dir(cfg, l, NULL))
			return l;
	return 0;
}

/* Whether the DOS path "C:\\a\\b" can be laid out below a directory: no '.' or '..' component
 * (it would leave its place) and no '/' in a name. */
static bool plain_c_path(const char *dos)
{
	if (toupper((unsigned char)dos[0]) != 'C' || dos[1] != ':' || dos[2] != '\\' || strchr(dos, '/'))
		return false;
	for (const char *s = dos + 3; *s;) {
		size_t n = strcspn(s, "\\");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s += n + (s[n] != 0);
	}
	return true;
}

/* mkdir -p of the guest path `dos` (plain_c_path) below `top`. */
static bool make_dirs(const char *top, const char *dos)
{
	size_t tl = strlen(top);
	char *path = malloc(tl + strlen(dos) + 2);
	if (!path)
		return false;
	memcpy(path, top, tl);
	size_t n = tl;
	bool ok = true;
	for (const char *s = dos + 3; ok && *s;) {
		size_t len = strcspn(s, "\\");
		if (len) {
			path[n++] = '/';
			memcpy(path + n, s, len);
			n += len;
			path[n] = 0;
			ok = !mkdir(path, 0700) || errno == EEXIST;
		}
		s += len + (s[len] != 0);
	}
	free(path);
	return ok;
}

char *drive_fallback_create(const char *const *dirs, size_t n)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	size_t size = strlen(tmp) + sizeof "/ntemu-XXXXXX";
	char *top = malloc(size);
	if (!top)
		return NULL;
	snprintf(top, size, "%s/ntemu-XXXXXX", tmp);
	if (!mkdtemp(top)) {
		free(top);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (plain_c_path(dirs[i]) && !make_dirs(top, dirs[i])) {
			int err = errno;
			drive_fallback_remove(top);
			free(top);
			errno = err;
			return NULL;
		}
	}
	return top;
}

/* The guest may have made files read-only or directories unwritable: give them back to the
 * owner first (directories before their contents). */
static int make_removable(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D)
		chmod(path, (st->st_mode & 07777) | S_IRWXU);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void drive_fallback_remove(const char *dir)
{
	nftw(dir, make_removable, 16, FTW_PHYS);
	nftw(dir, remove_entry, 16, FTW_PHYS | FTW_DEPTH);
}
