#include "kernel/drives.h"

#include <ctype.h>
#include <string.h>

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
