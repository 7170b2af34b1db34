#include "kernel/vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/drives.h"
#include "kernel/unicode.h"

/* One host file with open file objects: NT keeps share access and delete-pending per file
 * (the FCB), not per open. */
/* A byte-range lock (NtLockFile): owned by one file object. */
struct range_lock {
	struct range_lock *next;
	const struct kfile *owner;
	uint64_t offset, length;
	uint32_t key;
	bool exclusive;
};

struct fnode {
	struct fnode *next;
	struct range_lock *locks;
	uint64_t dev, ino;
	char *host_path;
	unsigned refs;            /* file objects on it */
	/* Opens that take part in share checks (those asking read, write or delete access), and
	 * how many of them read, write, delete, or let others do so (IoCheckShareAccess). */
	unsigned opens, readers, writers, deleters, share_read, share_write, share_delete;
	bool delete_pending;
};

struct vfs {
	struct fnode *nodes;
};

bool vfs_init(struct kprocess *p)
{
	p->vfs = calloc(1, sizeof *p->vfs);
	return p->vfs != NULL;
}

void vfs_destroy(struct kprocess *p)
{
	if (!p->vfs)
		return;
	for (struct fnode *n = p->vfs->nodes, *next; n; n = next) {
		next = n->next;
		free(n->host_path);
		free(n);
	}
	free(p->vfs);
	p->vfs = NULL;
}

/* ---- file nodes and share access ---- */

static bool wants_read(uint32_t a)
{
	return a & (FILE_READ_DATA | FILE_EXECUTE);
}

static bool wants_write(uint32_t a)
{
	return a & (FILE_WRITE_DATA | FILE_APPEND_DATA);
}

static bool wants_delete(uint32_t a)
{
	return a & DELETE;
}

static bool takes_part(uint32_t access)
{
	return wants_read(access) || wants_write(access) || wants_delete(access);
}

ntstatus_t vfs_node_open(struct vfs *v, uint64_t dev, uint64_t ino, const char *host_path,
			 uint32_t access, uint32_t sharing, struct fnode **out)
{
	struct fnode *n = v->nodes;
	while (n && (n->dev != dev || n->ino != ino))
		n = n->next;
	if (n && n->delete_pending)
		return STATUS_DELETE_PENDING;
	if (n && takes_part(access) && n->opens) {
		if ((wants_read(access) && n->share_read < n->opens) ||
		    (wants_write(access) && n->share_write < n->opens) ||
		    (wants_delete(access) && n->share_delete < n->opens) ||
		    (n->readers && !(sharing & FILE_SHARE_READ)) ||
		    (n->writers && !(sharing & FILE_SHARE_WRITE)) ||
		    (n->deleters && !(sharing & FILE_SHARE_DELETE)))
			return STATUS_SHARING_VIOLATION;
	}
	if (!n) {
		n = calloc(1, sizeof *n);
		if (!n || !(n->host_path = strdup(host_path))) {
			free(n);
			return STATUS_NO_MEMORY;
		}
		n->dev = dev;
		n->ino = ino;
		n->next = v->nodes;
		v->nodes = n;
	}
	n->refs++;
	if (takes_part(access)) {
		n->opens++;
		n->readers += wants_read(access);
		n->writers += wants_write(access);
		n->deleters += wants_delete(access);
		n->share_read += !!(sharing & FILE_SHARE_READ);
		n->share_write += !!(sharing & FILE_SHARE_WRITE);
		n->share_delete += !!(sharing & FILE_SHARE_DELETE);
	}
	*out = n;
	return STATUS_SUCCESS;
}

bool fnode_delete_pending(const struct fnode *n)
{
	return n->delete_pending;
}

void fnode_set_delete_pending(struct fnode *n, bool pending)
{
	n->delete_pending = pending;
}

ntstatus_t fnode_set_path(struct fnode *n, const char *host_path)
{
	char *copy = strdup(host_path);
	if (!copy)
		return STATUS_NO_MEMORY;
	free(n->host_path);
	n->host_path = copy;
	return STATUS_SUCCESS;
}

/* [a, a+alen) and [b, b+blen) share a byte; empty ranges share none. */
static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	if (!alen || !blen)
		return false;
	uint64_t aend = a + alen - 1, bend = b + blen - 1; /* inclusive: no overflow at 2^64 */
	if (aend < a)
		aend = UINT64_MAX;
	if (bend < b)
		bend = UINT64_MAX;
	return a <= bend && b <= aend;
}

ntstatus_t fnode_lock(struct fnode *n, const struct kfile *owner, uint64_t offset, uint64_t length,
		      uint32_t key, bool exclusive)
{
	for (const struct range_lock *l = n->locks; l; l = l->next) {
		if (!overlap(offset, length, l->offset, l->length))
			continue;
		/* Shared locks coexist; an owner may take a shared lock inside its own exclusive
		 * one. */
		if (!exclusive && (!l->exclusive || l->owner == owner))
			continue;
		return STATUS_LOCK_NOT_GRANTED;
	}
	struct range_lock *l = malloc(sizeof *l);
	if (!l)
		return STATUS_NO_MEMORY;
	*l = (struct range_lock){n->locks, owner, offset, length, key, exclusive};
	n->locks = l;
	return STATUS_SUCCESS;
}

ntstatus_t fnode_unlock(struct fnode *n, const struct kfile *owner, uint64_t offset, uint64_t length,
			uint32_t key)
{
	/* NT unlocks exactly one range that matches offset, length, owner and key. */
	for (struct range_lock **pp = &n->locks; *pp; pp = &(*pp)->next) {
		struct range_lock *l = *pp;
		if (l->owner == owner && l->offset == offset && l->length == length && l->key == key) {
			*pp = l->next;
			free(l);
			return STATUS_SUCCESS;
		}
	}
	return STATUS_RANGE_NOT_LOCKED;
}

void fnode_unlock_all(struct fnode *n, const struct kfile *owner)
{
	for (struct range_lock **pp = &n->locks; *pp;) {
		struct range_lock *l = *pp;
		if (l->owner == owner) {
			*pp = l->next;
			free(l);
		} else {
			pp = &l->next;
		}
	}
}

bool fnode_io_conflict(const struct fnode *n, const struct kfile *f, uint64_t offset, uint64_t length,
		       bool write)
{
	for (const struct range_lock *l = n->locks; l; l = l->next) {
		if (!overlap(offset, length, l->offset, l->length))
			continue;
		/* Exclusive locks keep other opens out; shared locks keep every writer out, the
		 * owner included (LockFileEx). */
		if (l->owner != f ? l->exclusive || write : write && !l->exclusive)
			return true;
	}
	return false;
}

/* Drop one open; the last one of a delete-pending file removes it from the host. */
static void node_close(struct vfs *v, struct fnode *n, uint32_t access, uint32_t sharing)
{
	if (takes_part(access)) {
		n->opens--;
		n->readers -= wants_read(access);
		n->writers -= wants_write(access);
		n->deleters -= wants_delete(access);
		n->share_read -= !!(sharing & FILE_SHARE_READ);
		n->share_write -= !!(sharing & FILE_SHARE_WRITE);
		n->share_delete -= !!(sharing & FILE_SHARE_DELETE);
	}
	if (--n->refs)
		return;
	for (struct range_lock *l = n->locks, *next; l; l = next) {
		next = l->next;
		free(l);
	}
	if (n->delete_pending) {
		struct stat st;
		/* Only if the name still names this file (a POSIX-semantics delete or a rename over
		 * it may have reused the name). */
		if (!lstat(n->host_path, &st) && (uint64_t)st.st_dev == n->dev &&
		    (uint64_t)st.st_ino == n->ino) {
			if (S_ISDIR(st.st_mode))
				rmdir(n->host_path);
			else
				unlink(n->host_path);
		}
	}
	for (struct fnode **pp = &v->nodes; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	}
	free(n->host_path);
	free(n);
}

void file_destroy(struct kobject *obj)
{
	struct kfile *f = (struct kfile *)obj;
	if (f->node) {
		if (f->delete_on_close)
			f->node->delete_pending = true;
		fnode_unlock_all(f->node, f);
		/* Close first: rmdir/unlink then see no open fd of ours. */
		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		node_close(f->vfs, f->node, f->access, f->sharing);
	}
	if (f->fd >= 0)
		close(f->fd);
	dir_listing_free(f->listing);
	free(f->peek);
	free(f->host_path);
	free(f->path);
}

/* ---- names ---- */

/* Case folding for lookups: ASCII and Latin-1 letters. FIXME: the full Unicode upcase table
 * (l_intl.nls) is what NTFS uses. */
uint16_t vfs_fold(uint16_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 32;
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return c - 32;
	return c;
}

static bool name_ieq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	uint16_t wa[NAME_MAX + 1], wb[NAME_MAX + 1];
	size_t na = utf8_to_utf16(a, la, wa, NAME_MAX + 1);
	size_t nb = utf8_to_utf16(b, lb, wb, NAME_MAX + 1);
	if (na != nb || na > NAME_MAX)
		return na == nb && !strcmp(a, b);
	for (size_t i = 0; i < na; i++)
		if (vfs_fold(wa[i]) != vfs_fold(wb[i]))
			return false;
	return true;
}

static char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *s = malloc(a + b + 2);
	if (!s)
		return NULL;
	memcpy(s, dir, a);
	size_t i = a;
	if (!a || dir[a - 1] != '/')
		s[i++] = '/';
	memcpy(s + i, name, b + 1);
	return s;
}

/* Whether `path` is `dir` or lies below it (both absolute and canonical). */
static bool inside(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return !strncmp(dir, path, n) && (path[n] == 0 || path[n] == '/');
}

/* The entry of host directory `dir` that `name` names: an exact match first, else the
 * case-insensitive match that sorts first (deterministic when several differ only in case).
 * NULL if none (errno ENOENT) or on error. */
static char *lookup(const char *dir, const char *name)
{
	char *exact = path_join(dir, name);
	struct stat st;
	if (!exact)
		return NULL;
	bool found = !lstat(exact, &st);
	free(exact);
	if (found)
		return strdup(name);
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char *best = NULL;
	for (struct dirent *e; (e = readdir(d));) {
		if (!name_ieq(e->d_name, name))
			continue;
		if (!best || strcmp(e->d_name, best) < 0) {
			free(best);
			best = strdup(e->d_name);
		}
	}
	closedir(d);
	if (!best)
		errno = ENOENT;
	return best;
}

struct comps {
	char **v;
	size_t n, cap;
};

static void comps_free(struct comps *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

static bool comps_push(struct comps *c, char *s)
{
	if (!s)
		return false;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		char **v = realloc(c->v, cap * sizeof *v);
		if (!v) {
			free(s);
			return false;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = s;
	return true;
}

/* Characters NT file names cannot contain (RtlIsNameLegalDOS8Dot3 / NTFS rules). ':' would
 * name a stream. FIXME: alternate data streams. */
static bool bad_name_char(uint16_t c)
{
	return c < 0x20 || c == '*' || c == '?' || c == '<' || c == '>' || c == '|' || c == '"' ||
	       c == ':' || c == '/';
}

/* Append the components of `s` ('\'-separated) to c, applying '.' and '..' lexically; '..'
 * never climbs above the drive's root. */
static ntstatus_t split(const uint16_t *s, size_t len, struct comps *c, bool *trailing)
{
	size_t i = 0;
	*trailing = false;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '\\')
			j++;
		size_t n = j - i;
		if (!n)
			return STATUS_OBJECT_NAME_INVALID;
		bool dot = n == 1 && s[i] == '.', dotdot = n == 2 && s[i] == '.' && s[i + 1] == '.';
		if (dotdot) {
			if (c->n)
				free(c->v[--c->n]);
		} else if (!dot) {
			for (size_t k = i; k < j; k++)
				if (bad_name_char(s[k]))
					return STATUS_OBJECT_NAME_INVALID;
			if (n > NAME_MAX)
				return STATUS_OBJECT_NAME_INVALID;
			if (!comps_push(c, utf16_to_utf8_dup(s + i, n)))
				return STATUS_NO_MEMORY;
		}
		if (j == len)
			break;
		i = j + 1;
		if (i == len)
			*trailing = true;
	}
	return STATUS_SUCCESS;
}

static bool wprefix(const uint16_t *s, size_t len, const char *ascii, size_t *used)
{
	size_t n = strlen(ascii);
	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (vfs_fold(s[i]) != vfs_fold((uint8_t)ascii[i]))
			return false;
	*used = n;
	return true;
}

static bool wequal(const uint16_t *s, size_t len, const char *ascii)
{
	size_t used;
	return wprefix(s, len, ascii, &used) && used == len;
}

/* The host directory that components [0, n) name below `dir`, each looked up
 * case-insensitively; NULL if one is missing or not a directory. */
static char *walk(const char *dir, char *const *v, size_t n)
{
	char *cur = strdup(dir);
	for (size_t i = 0; cur && i < n; i++) {
		char *name = lookup(cur, v[i]);
		char *next = name ? path_join(cur, name) : NULL;
		struct stat st;
		free(name);
		free(cur);
		cur = next;
		if (cur && (stat(cur, &st) || !S_ISDIR(st.st_mode))) {
			free(cur);
			cur = NULL;
		}
	}
	return cur;
}

/* Component i of c, which the root's directory `*cur` lacks, looked up in config->fallback at
 * the same place: on success the walk goes on there (*cur and *real_base replaced) and the
 * entry's name is returned; NULL with errno ENOENT otherwise. */
static char *fallback_lookup(const struct kconfig *cfg, const struct comps *c, size_t i, char **cur,
			     char **real_base)
{
	char *parent = walk(cfg->fallback, c->v, i);
	char *name = parent ? lookup(parent, c->v[i]) : NULL;
	char *real = name ? realpath(cfg->fallback, NULL) : NULL;
	if (!real) {
		free(parent);
		free(name);
		errno = ENOENT;
		return NULL;
	}
	free(*cur);
	free(*real_base);
	*cur = parent;
	*real_base = real;
	return name;
}

/* Walk `comps` on drive `drive` from the drive's host directory (or the system image for
 * C:\windows...), filling the target. */
static ntstatus_t resolve_components(const struct kconfig *cfg, char drive, struct comps *c,
				     struct vfs_target *t)
{
	bool read_only = false;
	const char *dir = drive_dir(cfg, drive, &read_only);
	if (!dir)
		return STATUS_OBJECT_PATH_NOT_FOUND;
	char *base = NULL;
	size_t first = 0;
	/* Guest path of what `base` is. */
	char prefix[32] = "";
	if (drive == 'C' && cfg->sysroot && c->n >= 1 && name_ieq(c->v[0], "windows")) {
		const char *view = c->n >= 2 && name_ieq(c->v[1], "system32")   ? "system32"
				   : c->n >= 2 && name_ieq(c->v[1], "syswow64") ? "syswow64"
										: NULL;
		if (view) {
			base = path_join(cfg->sysroot, view);
			snprintf(prefix, sizeof prefix, "\\windows\\%s", view);
			first = 2;
			read_only = true;
		} else {
			char *own = lookup(dir, "windows");
			char *own_path = own ? path_join(dir, own) : NULL;
			struct stat st;
			if (!own_path || stat(own_path, &st) || !S_ISDIR(st.st_mode)) {
				/* No windows\ of its own: C:\windows is the system image. */
				base = strdup(cfg->sysroot);
				strcpy(prefix, "\\windows");
				first = 1;
				read_only = true;
			}
			free(own);
			free(own_path);
		}
	}
	if (!base && !(base = strdup(dir)))
		return STATUS_NO_MEMORY;
	char *real_base = realpath(base, NULL);
	if (!real_base) {
		free(base);
		return STATUS_OBJECT_PATH_NOT_FOUND;
	}
	ntstatus_t st = STATUS_SUCCESS;
	char *cur = base;
	/* Names the root lacks may come from the fallback directory, from the first one missing
	 * on (the walk then stays there). */
	bool in_root = drive == 'C' && cfg->fallback && !prefix[0];
	size_t plen = strlen(prefix);
	char *gpath = malloc(plen + 2);
	if (!gpath) {
		st = STATUS_NO_MEMORY;
		goto out;
	}
	memcpy(gpath, prefix, plen + 1);
	t->exists = true;
	for (size_t i = first; i < c->n; i++) {
		bool last = i + 1 == c->n;
		char *name = lookup(cur, c->v[i]);
		if (!name && errno == ENOENT && in_root && (name = fallback_lookup(cfg, c, i, &cur, &real_base)))
			in_root = false;
		if (!name && errno != ENOENT && errno != ENOTDIR) {
			st = errno == EACCES ? STATUS_ACCESS_DENIED : STATUS_OBJECT_PATH_NOT_FOUND;
			goto out;
		}
		if (!name) {
			if (!last) {
				st = STATUS_OBJECT_PATH_NOT_FOUND;
				goto out;
			}
			t->exists = false;
			name = strdup(c->v[i]);
		}
		char *next = name ? path_join(cur, name) : NULL;
		size_t gl = strlen(gpath);
		char *g = name ? realloc(gpath, gl + strlen(name) + 2) : NULL;
		if (!next || !g) {
			free(name);
			free(next);
			st = STATUS_NO_MEMORY;
			goto out;
		}
		gpath = g;
		gpath[gl] = '\\';
		strcpy(gpath + gl + 1, name);
		free(name);
		free(cur);
		cur = next;
		if (!t->exists)
			break;
		/* A symlink (anywhere on the way) must not lead out of the drive. */
		char *real = realpath(cur, NULL);
		if (!real) {
			/* A dangling symlink: refuse rather than let a create follow it. */
			st = last ? STATUS_ACCESS_DENIED : STATUS_OBJECT_PATH_NOT_FOUND;
			goto out;
		}
		bool ok = inside(real_base, real);
		free(real);
		if (!ok) {
			st = STATUS_ACCESS_DENIED;
			goto out;
		}
		struct stat sb;
		if (!last && (stat(cur, &sb) || !S_ISDIR(sb.st_mode))) {
			st = STATUS_OBJECT_PATH_NOT_FOUND;
			goto out;
		}
	}
	if (!gpath[0])
		strcpy(gpath, "\\");
	t->kind = TARGET_DISK;
	t->drive = drive;
	t->host_path = cur;
	t->path = gpath;
	t->read_only = read_only;
	cur = NULL;
	gpath = NULL;
out:
	free(cur);
	free(gpath);
	free(real_base);
	return st;
}

void vfs_target_free(struct vfs_target *t)
{
	free(t->host_path);
	free(t->path);
	t->host_path = t->path = NULL;
}

ntstatus_t file_ref_handle(struct kprocess *p, handle_t h, uint32_t access, struct kfile **out)
{
	void *obj;
	ntstatus_t st = handle_ref(&p->handles, h, OBJ_FILE, access, &obj);
	if (st == STATUS_SUCCESS)
		*out = obj;
	return st;
}

/* The components of a guest path "\a\b" (UTF-8). */
static ntstatus_t split_utf8_path(const char *path, struct comps *c)
{
	size_t len;
	uint16_t *w = utf8_to_utf16_dup(path, &len);
	if (!w)
		return STATUS_NO_MEMORY;
	bool trailing;
	ntstatus_t st = len > 1 ? split(w + 1, len - 1, c, &trailing) : STATUS_SUCCESS;
	free(w);
	return st;
}

bool vfs_dir_exists(const struct kconfig *cfg, const char *dos_path)
{
	if (!dos_path[0] || dos_path[1] != ':' || (dos_path[2] && dos_path[2] != '\\'))
		return false;
	struct comps c = {0};
	struct vfs_target t = {0};
	struct stat st;
	bool ok = split_utf8_path(dos_path + 2, &c) == STATUS_SUCCESS &&
		  resolve_components(cfg, (char)vfs_fold((uint8_t)dos_path[0]), &c, &t) == STATUS_SUCCESS &&
		  t.exists && !stat(t.host_path, &st) && S_ISDIR(st.st_mode);
	vfs_target_free(&t);
	comps_free(&c);
	return ok;
}

ntstatus_t vfs_resolve(struct kprocess *p, handle_t root, const uint16_t *name, size_t len,
		       struct vfs_target *out)
{
	memset(out, 0, sizeof *out);
	struct comps c = {0};
	char drive;
	ntstatus_t st = STATUS_SUCCESS;
	size_t used;
	if (root) {
		struct kfile *dir;
		if ((st = file_ref_handle(p, root, 0, &dir)) != STATUS_SUCCESS)
			return st;
		bool ok = dir->kind == KFILE_DISK && dir->is_dir;
		drive = dir->drive;
		st = ok ? split_utf8_path(dir->path, &c) : STATUS_INVALID_PARAMETER;
		object_unref(dir);
		if (st != STATUS_SUCCESS)
			goto out;
		if (len && name[0] == '\\') {
			st = STATUS_INVALID_PARAMETER;
			goto out;
		}
	} else {
		if (!len || name[0] != '\\') {
			st = STATUS_OBJECT_PATH_SYNTAX_BAD;
			goto out;
		}
		if (wprefix(name, len, "\\??\\", &used) || wprefix(name, len, "\\DosDevices\\", &used) ||
		    wprefix(name, len, "\\GLOBAL??\\", &used)) {
			name += used;
			len -= used;
			if (wprefix(name, len, "UNC\\", &used) || wequal(name, len, "UNC")) {
				st = STATUS_OBJECT_PATH_NOT_FOUND; /* no network */
				goto out;
			}
			if (wequal(name, len, "NUL")) {
				out->kind = TARGET_NULL;
				goto out;
			}
			if (wequal(name, len, "CONIN$") || wequal(name, len, "CONOUT$")) {
				out->kind = len == 6 ? TARGET_CONSOLE_IN : TARGET_CONSOLE_OUT;
				goto out;
			}
			if (wequal(name, len, "CON")) {
				out->kind = TARGET_CONSOLE;
				goto out;
			}
			bool letter = len >= 2 && name[1] == ':' &&
				      ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'));
			if (!letter || (len > 2 && name[2] != '\\')) {
				size_t k = 0;
				while (k < len && name[k] != '\\')
					k++;
				st = k < len ? STATUS_OBJECT_PATH_NOT_FOUND : STATUS_OBJECT_NAME_NOT_FOUND;
				goto out;
			}
			drive = (char)vfs_fold(name[0]);
			name += 2;
			len -= 2;
		} else if (wprefix(name, len, "\\Device\\", &used)) {
			const uint16_t *dev = name + used;
			size_t dlen = len - used;
			if (wequal(dev, dlen, "Null")) {
				out->kind = TARGET_NULL;
				goto out;
			}
			if (wequal(dev, dlen, "ConDrv\\CurrentIn") || wequal(dev, dlen, "ConDrv\\CurrentOut")) {
				out->kind = dlen == 16 ? TARGET_CONSOLE_IN : TARGET_CONSOLE_OUT;
				goto out;
			}
			drive = 0;
			if (wprefix(dev, dlen, "HarddiskVolume", &used)) {
				unsigned n = 0;
				size_t k = used;
				while (k < dlen && dev[k] >= '0' && dev[k] <= '9' && n < 100)
					n = n * 10 + (dev[k++] - '0');
				if (k > used && n >= 1 && n <= 24 && (k == dlen || dev[k] == '\\')) {
					drive = (char)('C' + n - 1);
					name = dev + k;
					len = dlen - k;
				}
			}
			if (!drive || !drive_dir(p->config, drive, NULL)) {
				size_t k = 0;
				while (k < dlen && dev[k] != '\\')
					k++;
				st = k < dlen ? STATUS_OBJECT_PATH_NOT_FOUND : STATUS_OBJECT_NAME_NOT_FOUND;
				goto out;
			}
		} else {
			/* FIXME: the rest of the object namespace (\BaseNamedObjects, \KnownDlls...). */
			st = STATUS_OBJECT_PATH_NOT_FOUND;
			goto out;
		}
		/* "X:" alone is the volume; treated as its root directory. */
		if (len) {
			name++;
			len--;
		}
	}
	bool trailing = false;
	if ((st = split(name, len, &c, &trailing)) != STATUS_SUCCESS)
		goto out;
	out->trailing_slash = trailing;
	st = resolve_components(p->config, drive, &c, out);
out:
	comps_free(&c);
	if (st != STATUS_SUCCESS)
		vfs_target_free(out);
	return st;
}

/* ---- device paths ---- */

char *vfs_nt_path(char drive, const char *path)
{
	size_t b = strlen(path);
	char *s = malloc(b + 7);
	if (!s)
		return NULL;
	memcpy(s, "\\??\\C:", 6);
	s[4] = drive;
	memcpy(s + 6, path, b + 1);
	return s;
}

char *vfs_nt_path_of_host(const struct kconfig *cfg, const char *host_path)
{
	char dos[PATH_MAX + 8];
	if (cfg->sysroot) {
		static const char *const views[] = {"system32", "syswow64"};
		for (int k = 0; k < 2; k++) {
			char *dir = path_join(cfg->sysroot, views[k]);
			char *real = dir ? realpath(dir, NULL) : NULL;
			char *file = realpath(host_path, NULL);
			bool in = real && file && inside(real, file) && strlen(file) > strlen(real);
			char *s = NULL;
			if (in) {
				size_t n = strlen(real);
				snprintf(dos, sizeof dos, "\\windows\\%s%s", views[k], file + n);
				for (char *q = dos; *q; q++)
					if (*q == '/')
						*q = '\\';
				s = vfs_nt_path('C', dos);
			}
			free(dir);
			free(real);
			free(file);
			if (in)
				return s;
		}
	}
	if (!drive_dos_path(cfg, host_path, dos, sizeof dos))
		return NULL;
	return vfs_nt_path(dos[0], dos + 2);
}

ntstatus_t vfs_file_for_section(struct kprocess *p, handle_t h, uint32_t access, char **host_path,
				char **nt_name)
{
	struct kfile *f;
	ntstatus_t st = file_ref_handle(p, h, access, &f);
	if (st != STATUS_SUCCESS)
		return st;
	*host_path = *nt_name = NULL;
	if (f->kind != KFILE_DISK || f->is_dir)
		st = STATUS_INVALID_FILE_FOR_SECTION;
	else if (!(*host_path = strdup(f->host_path)) || !(*nt_name = vfs_nt_path(f->drive, f->path))) {
		free(*host_path);
		*host_path = NULL;
		st = STATUS_NO_MEMORY;
	}
	object_unref(f);
	return st;
}

/* ---- standard handles ---- */

ntstatus_t vfs_open_std_handles(struct kprocess *p, handle_t out[3])
{
	static const uint32_t access[3] = {
		GENERIC_READ | SYNCHRONIZE | FILE_WRITE_ATTRIBUTES,
		GENERIC_WRITE | SYNCHRONIZE | FILE_READ_ATTRIBUTES,
		GENERIC_WRITE | SYNCHRONIZE | FILE_READ_ATTRIBUTES,
	};
	for (int k = 0; k < 3; k++) {
		out[k] = 0;
		struct kfile *f;
		ntstatus_t st = vfs_make_host_fd_file(p, k, access[k], &f);
		if (st == STATUS_INVALID_HANDLE)
			continue; /* that fd is closed: the guest gets a NULL handle, as Windows */
		if (st != STATUS_SUCCESS)
			return st;
		st = handle_alloc(&p->handles, f, f->access, 0, &out[k]);
		object_unref(f);
		if (st != STATUS_SUCCESS)
			return st;
	}
	return STATUS_SUCCESS;
}

ntstatus_t vfs_make_host_fd_file(struct kprocess *p, int host_fd, uint32_t access, struct kfile **out)
{
	struct stat st;
	if (fstat(host_fd, &st))
		return STATUS_INVALID_HANDLE;
	int fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return STATUS_INSUFFICIENT_RESOURCES;
	struct kfile *f = object_alloc(OBJ_FILE, sizeof *f);
	if (!f) {
		close(fd);
		return STATUS_NO_MEMORY;
	}
	f->vfs = p->vfs;
	f->kind = KFILE_HOST_FD;
	f->fd = fd;
	f->access = object_map_access(OBJ_FILE, access);
	f->sharing = FILE_SHARE_READ | FILE_SHARE_WRITE;
	f->options = FILE_SYNCHRONOUS_IO_NONALERT;
	/* ConDrv's initial modes as Wine's tty console reports them (GUEST-CONTRACT §6). */
	f->console_mode = host_fd == 0 ? 0x1f7 : 3;
	struct stat null_st;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
		f->device_type = FILE_DEVICE_NAMED_PIPE;
	} else if (S_ISCHR(st.st_mode)) {
		if (!stat("/dev/null", &null_st) && null_st.st_rdev == st.st_rdev)
			f->device_type = FILE_DEVICE_NULL;
		else if (isatty(fd))
			f->device_type = FILE_DEVICE_CONSOLE, f->console = true;
		else
			f->device_type = FILE_DEVICE_UNKNOWN;
	} else {
		f->device_type = FILE_DEVICE_DISK;
	}
	*out = f;
	return STATUS_SUCCESS;
}

/* ---- directory listings ---- */

static int name_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	/* "." and ".." first, then NTFS-like order (case-insensitive), ties by bytes. */
	for (size_t i = 0;; i++) {
		int cx = x[i] >= 'a' && x[i] <= 'z' ? x[i] - 32 : (unsigned char)x[i];
		int cy = y[i] >= 'a' && y[i] <= 'z' ? y[i] - 32 : (unsigned char)y[i];
		if (cx != cy || !cx)
			return cx != cy ? cx - cy : strcmp(x, y);
	}
}

void dir_listing_free(struct dir_listing *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l->mask);
	free(l);
}

/* Add to `names` (entries from `fixed` on) the entries of the fallback directory's
 * counterpart of directory f that are not there yet; nothing when f is that directory. False
 * when out of memory. */
static bool merge_fallback(const struct kconfig *cfg, const struct kfile *f, struct comps *names,
			   size_t fixed)
{
	struct comps path = {0};
	if (split_utf8_path(f->path, &path) != STATUS_SUCCESS) {
		comps_free(&path);
		return false;
	}
	char *dir = walk(cfg->fallback, path.v, path.n);
	comps_free(&path);
	char *real = dir ? realpath(dir, NULL) : NULL, *own = real ? realpath(f->host_path, NULL) : NULL;
	DIR *d = own && strcmp(real, own) ? opendir(dir) : NULL;
	bool ok = true;
	for (struct dirent *e; d && ok && (e = readdir(d));) {
		bool have = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
		for (size_t i = fixed; i < names->n && !have; i++)
			have = name_ieq(names->v[i], e->d_name);
		if (!have)
			ok = comps_push(names, strdup(e->d_name));
	}
	if (d)
		closedir(d);
	free(dir);
	free(real);
	free(own);
	return ok;
}

ntstatus_t dir_listing_load(struct kprocess *p, struct kfile *f)
{
	dir_listing_free(f->listing);
	f->listing = NULL;
	struct dir_listing *l = calloc(1, sizeof *l);
	if (!l)
		return STATUS_NO_MEMORY;
	struct comps c = {0};
	DIR *d = opendir(f->host_path);
	if (!d) {
		free(l);
		return errno == EACCES ? STATUS_ACCESS_DENIED : STATUS_INVALID_DEVICE_REQUEST;
	}
	bool root = !strcmp(f->path, "\\");
	bool ok = root || (comps_push(&c, strdup(".")) && comps_push(&c, strdup("..")));
	size_t fixed = c.n;
	for (struct dirent *e; ok && (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		ok = comps_push(&c, strdup(e->d_name));
	}
	closedir(d);
	/* The system image's directories show up where they resolve: C:\windows in a root
	 * without one, system32/syswow64 in a windows\ of the root's own. */
	static const char *const views[] = {"windows", "system32", "syswow64"};
	for (int k = 0; ok && k < 3 && f->drive == 'C' && p->config->sysroot; k++) {
		if (k == 0 ? !root : !name_ieq(f->path, "\\windows"))
			continue;
		bool have = false;
		for (size_t i = fixed; i < c.n; i++)
			have |= name_ieq(c.v[i], views[k]);
		if (!have)
			ok = comps_push(&c, strdup(views[k]));
	}
	/* A directory of the root also shows what the fallback directory has at its place. */
	if (ok && f->drive == 'C' && p->config->fallback)
		ok = merge_fallback(p->config, f, &c, fixed);
	if (!ok) {
		comps_free(&c);
		free(l);
		return STATUS_NO_MEMORY;
	}
	qsort(c.v + fixed, c.n - fixed, sizeof *c.v, name_cmp);
	l->names = c.v;
	l->n = c.n;
	f->listing = l;
	return STATUS_SUCCESS;
}

bool vfs_stat_child(struct kprocess *p, const struct kfile *dir, const char *name, struct stat *st)
{
	struct comps c = {0};
	bool ok = split_utf8_path(dir->path, &c) == STATUS_SUCCESS;
	if (ok && strcmp(name, ".")) {
		if (!strcmp(name, ".."))
			ok = !c.n || (free(c.v[--c.n]), true);
		else
			ok = comps_push(&c, strdup(name));
	}
	struct vfs_target t = {0};
	ok = ok && resolve_components(p->config, dir->drive, &c, &t) == STATUS_SUCCESS && t.exists &&
	     !stat(t.host_path, st);
	vfs_target_free(&t);
	comps_free(&c);
	return ok;
}
