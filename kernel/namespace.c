/* The object namespace (see namespace.h): directories, symbolic links, name lookup. */
#include "kernel/namespace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/drives.h"
#include "kernel/vfs.h" /* vfs_fold */

struct ns_entry {
	uint16_t *name;         /* the component as it was created */
	size_t len;
	struct kobject *obj;    /* one reference, held by the directory */
	bool permanent;
};

struct kdirectory {
	struct kobject obj;
	struct ns_entry *v;     /* creation order: NtQueryDirectoryObject's index */
	size_t count, cap;
	bool foreign;           /* contents belong to the file or registry code */
	bool dos_devices;       /* \?? and \GLOBAL??: the process's drive letters appear in it */
};

struct ksymlink {
	struct kobject obj;
	size_t len;
	uint16_t target[];
};

/* One tree per machine; it lives while some process uses it. kprocess_create's failure path
 * calls namespace_destroy for processes whose namespace_init never ran, hence the list. */
static struct {
	struct kprocess **users;
	size_t nusers;
	struct kdirectory *root;
} ns;

/* Links followed in one lookup before giving up (NT's ObpLookupObjectName allows 32
 * reparses). */
#define MAX_LINKS 32

/* ---- directories ---- */

static void entry_release(struct ns_entry *e);

/* Release every entry (the directory's destroy callback, and the tree's teardown). */
static void dir_clear(struct kdirectory *d)
{
	for (size_t i = 0; i < d->count; i++)
		entry_release(&d->v[i]);
	free(d->v);
	d->v = NULL;
	d->count = d->cap = 0;
}

void directory_destroy(struct kobject *obj)
{
	dir_clear((struct kdirectory *)obj);
}

static void entry_release(struct ns_entry *e)
{
	free(e->name);
	object_unref(e->obj); /* a directory's own entries go with it (directory_destroy) */
}

static void dir_prune(struct kdirectory *d);

/* Still named: permanent, referred to by someone besides the namespace, or a directory that
 * still holds names. */
static bool entry_live(struct ns_entry *e)
{
	if (e->permanent || e->obj->refs > 1)
		return true;
	if (e->obj->type != OBJ_DIRECTORY)
		return false;
	struct kdirectory *d = (struct kdirectory *)e->obj;
	dir_prune(d);
	return d->count != 0;
}

/* Drop the temporary entries nobody refers to any more (see namespace.h, Lifetime). */
static void dir_prune(struct kdirectory *d)
{
	size_t k = 0;
	for (size_t i = 0; i < d->count; i++) {
		if (entry_live(&d->v[i]))
			d->v[k++] = d->v[i];
		else
			entry_release(&d->v[i]);
	}
	d->count = k;
}

static bool name_eq(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen, bool fold)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (a[i] != b[i] && (!fold || vfs_fold(a[i]) != vfs_fold(b[i])))
			return false;
	return true;
}

static struct ns_entry *dir_find(struct kdirectory *d, const uint16_t *name, size_t len, bool fold)
{
	for (size_t i = 0; i < d->count; i++)
		if (name_eq(d->v[i].name, d->v[i].len, name, len, fold))
			return &d->v[i];
	return NULL;
}

/* Put obj in d as `name` (taking a new reference) and give it its full path. */
static ntstatus_t dir_insert(struct kdirectory *d, const uint16_t *name, size_t len,
			     struct kobject *obj, bool permanent)
{
	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct ns_entry *v = realloc(d->v, cap * sizeof *v);
		if (!v)
			return STATUS_NO_MEMORY;
		d->v = v;
		d->cap = cap;
	}
	/* Full path: the parent's, a separator unless the parent is the root "\", the name.
	 * Children of an unnamed directory are named by their component alone. */
	size_t plen = d->obj.name ? d->obj.name_len : 0;
	size_t sep = plen > 1 || (plen == 1 && d->obj.name[0] != '\\') ? 1 : 0;
	uint16_t *full = malloc((plen + sep + len + 1) * 2);
	uint16_t *copy = malloc(len * 2 + 2);
	if (!full || !copy) {
		free(full);
		free(copy);
		return STATUS_NO_MEMORY;
	}
	if (plen)
		memcpy(full, d->obj.name, plen * 2);
	if (sep)
		full[plen] = '\\';
	memcpy(full + plen + sep, name, len * 2);
	full[plen + sep + len] = 0;
	memcpy(copy, name, len * 2);
	copy[len] = 0;
	free(obj->name);
	obj->name = full;
	obj->name_len = plen + sep + len;
	d->v[d->count++] = (struct ns_entry){copy, len, object_ref(obj), permanent};
	return STATUS_SUCCESS;
}

ntstatus_t namespace_new_directory(struct kobject **out)
{
	*out = object_alloc(OBJ_DIRECTORY, sizeof(struct kdirectory));
	return *out ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

ntstatus_t namespace_new_symlink(const uint16_t *target, size_t len, struct kobject **out)
{
	struct ksymlink *l = object_alloc(OBJ_SYMLINK, sizeof *l + (len + 1) * 2);
	if (!l)
		return STATUS_NO_MEMORY;
	l->len = len;
	if (len)
		memcpy(l->target, target, len * 2);
	l->target[len] = 0;
	*out = &l->obj;
	return STATUS_SUCCESS;
}

const uint16_t *namespace_symlink_target(const struct kobject *link, size_t *len)
{
	const struct ksymlink *l = (const struct ksymlink *)link;
	*len = l->len;
	return l->target;
}

/* "C:".."Z:" for the drive links the \?? directories list after their entries. */
static const uint16_t drive_names[24][2] = {
	{'C', ':'}, {'D', ':'}, {'E', ':'}, {'F', ':'}, {'G', ':'}, {'H', ':'}, {'I', ':'}, {'J', ':'},
	{'K', ':'}, {'L', ':'}, {'M', ':'}, {'N', ':'}, {'O', ':'}, {'P', ':'}, {'Q', ':'}, {'R', ':'},
	{'S', ':'}, {'T', ':'}, {'U', ':'}, {'V', ':'}, {'W', ':'}, {'X', ':'}, {'Y', ':'}, {'Z', ':'},
};

bool namespace_dir_entry(struct kprocess *p, struct kobject *dir, uint32_t index,
			 const uint16_t **name, size_t *len, enum object_type *type)
{
	struct kdirectory *d = (struct kdirectory *)dir;
	dir_prune(d);
	if (index < d->count) {
		*name = d->v[index].name;
		*len = d->v[index].len;
		*type = d->v[index].obj->type;
		return true;
	}
	if (!d->dos_devices || !p->config)
		return false;
	index -= (uint32_t)d->count;
	for (unsigned k = 0; k < 24; k++) {
		if (!drive_dir(p->config, (char)('C' + k), NULL) || index--)
			continue;
		*name = drive_names[k];
		*len = 2;
		*type = OBJ_SYMLINK;
		return true;
	}
	return false;
}

static struct ns_entry *find_entry_of(struct kdirectory *d, struct kobject *obj)
{
	for (size_t i = 0; i < d->count; i++) {
		if (d->v[i].obj == obj)
			return &d->v[i];
		if (d->v[i].obj->type == OBJ_DIRECTORY) {
			struct ns_entry *e = find_entry_of((struct kdirectory *)d->v[i].obj, obj);
			if (e)
				return e;
		}
	}
	return NULL;
}

void namespace_set_permanent(struct kobject *obj, bool permanent)
{
	struct ns_entry *e = ns.root && obj->name ? find_entry_of(ns.root, obj) : NULL;
	if (e)
		e->permanent = permanent;
}

/* ---- lookup ---- */

/* "X:" in \?? for a drive of p: a link to \Device\HarddiskVolume<n> (C: is volume 1, as
 * kernel/vfs.c numbers them), made for this lookup. Drives are the process's configuration,
 * so these links are not entries of the machine-wide tree. */
static struct kobject *drive_link(struct kprocess *p, const struct kdirectory *dir,
				  const uint16_t *name, size_t len)
{
	if (len != 2 || name[1] != ':' || name[0] > 0x7f)
		return NULL;
	char letter = (char)vfs_fold(name[0]);
	if (letter < 'C' || letter > 'Z' || !p->config || !drive_dir(p->config, letter, NULL))
		return NULL;
	char target[32];
	snprintf(target, sizeof target, "\\Device\\HarddiskVolume%d", letter - 'C' + 1);
	uint16_t w[32];
	size_t n = strlen(target);
	for (size_t i = 0; i < n; i++)
		w[i] = (uint8_t)target[i];
	struct kobject *link;
	if (namespace_new_symlink(w, n, &link) != STATUS_SUCCESS)
		return NULL;
	size_t dlen = dir->obj.name_len;
	link->name = malloc((dlen + 4) * 2);
	if (!link->name) {
		object_unref(link);
		return NULL;
	}
	memcpy(link->name, dir->obj.name, dlen * 2);
	link->name[dlen] = '\\';
	link->name[dlen + 1] = (uint16_t)letter;
	link->name[dlen + 2] = ':';
	link->name[dlen + 3] = 0;
	link->name_len = dlen + 3;
	return link;
}

/* Where a name leads: the directory that holds (or would hold) its last component, that
 * component, and the object there if any. */
struct resolved {
	struct kdirectory *parent; /* reference; NULL when the name is a root itself */
	struct kobject *found;     /* reference, or NULL */
	uint16_t *path;            /* the path last resolved (owned); leaf points into it */
	const uint16_t *leaf;
	size_t leaf_len;
};

static void resolved_free(struct resolved *r)
{
	if (r->parent)
		object_unref(r->parent);
	if (r->found)
		object_unref(r->found);
	free(r->path);
	*r = (struct resolved){0};
}

/* `openlink`: a link that is the last component is the answer, not followed. */
static ntstatus_t resolve(struct kprocess *p, const struct objattr *oa, bool create, bool openlink,
			  struct resolved *r)
{
	*r = (struct resolved){0};
	bool fold = oa->attributes & OBJ_CASE_INSENSITIVE;
	struct kdirectory *cur;
	struct kobject *root = NULL;
	if (oa->root) {
		ntstatus_t st = handle_ref(&p->handles, oa->root, OBJ_ANY, 0, (void **)&root);
		if (st != STATUS_SUCCESS)
			return st;
		if (root->type != OBJ_DIRECTORY) {
			object_unref(root);
			return STATUS_OBJECT_TYPE_MISMATCH;
		}
		if (oa->name.len && oa->name.buf[0] == '\\') {
			object_unref(root);
			return STATUS_OBJECT_PATH_SYNTAX_BAD;
		}
		cur = (struct kdirectory *)root;
	} else {
		if (!oa->name.len || oa->name.buf[0] != '\\')
			return STATUS_OBJECT_PATH_SYNTAX_BAD;
		cur = ns.root;
	}
	size_t len = oa->name.len;
	uint16_t *path = malloc(len * 2 + 2);
	if (!path) {
		object_unref(root);
		return STATUS_NO_MEMORY;
	}
	if (len)
		memcpy(path, oa->name.buf, len * 2);
	size_t pos = !oa->root; /* past the leading '\' of an absolute name */
	ntstatus_t st = STATUS_SUCCESS;
	unsigned links = 0;
	struct kobject *found = &cur->obj;
	struct kdirectory *parent = NULL;
	const uint16_t *leaf = NULL;
	size_t leaf_len = 0;
	struct kobject *drive = NULL; /* a drive link met on the way */
	while (pos < len) {
		size_t end = pos;
		while (end < len && path[end] != '\\')
			end++;
		bool last = end == len;
		if (end == pos) {
			st = STATUS_OBJECT_NAME_INVALID;
			break;
		}
		struct kobject *child = NULL;
		if (cur->dos_devices) {
			if (drive)
				object_unref(drive);
			child = drive = drive_link(p, cur, path + pos, end - pos);
		}
		if (!child) {
			dir_prune(cur);
			struct ns_entry *e = dir_find(cur, path + pos, end - pos, fold);
			child = e ? e->obj : NULL;
		}
		if (!child && cur->foreign) {
			/* A file, device or key: not ours. A DOS device name that is none of the
			 * links above does not exist (what QueryDosDeviceW sees). */
			st = last && !create && cur->dos_devices ? STATUS_OBJECT_NAME_NOT_FOUND
								  : STATUS_OBJECT_TYPE_MISMATCH;
			break;
		}
		if (!child) {
			if (last && create) {
				parent = cur;
				found = NULL;
				leaf = path + pos;
				leaf_len = end - pos;
			} else {
				st = last ? STATUS_OBJECT_NAME_NOT_FOUND : STATUS_OBJECT_PATH_NOT_FOUND;
			}
			break;
		}
		if (child->type == OBJ_SYMLINK && !(last && openlink)) {
			/* Resolve target + rest of the name from the root again. */
			const struct ksymlink *l = (const struct ksymlink *)child;
			if (++links > MAX_LINKS || !l->len || l->target[0] != '\\') {
				st = STATUS_OBJECT_PATH_NOT_FOUND;
				break;
			}
			size_t rest = len - end;
			uint16_t *np = malloc((l->len + rest + 1) * 2);
			if (!np) {
				st = STATUS_NO_MEMORY;
				break;
			}
			memcpy(np, l->target, l->len * 2);
			if (rest)
				memcpy(np + l->len, path + end, rest * 2);
			free(path);
			path = np;
			len = l->len + rest;
			pos = 1;
			cur = ns.root;
			found = &cur->obj;
			continue;
		}
		if (last) {
			parent = cur;
			found = child;
			leaf = path + pos;
			leaf_len = end - pos;
			break;
		}
		if (child->type != OBJ_DIRECTORY) {
			/* Only directories hold names (NT: an object without a parse routine). */
			st = STATUS_OBJECT_TYPE_MISMATCH;
			break;
		}
		cur = (struct kdirectory *)child;
		pos = end + 1;
		if (pos == len) {
			st = STATUS_OBJECT_NAME_INVALID; /* trailing '\' */
			break;
		}
	}
	if (st == STATUS_SUCCESS) {
		r->parent = parent ? object_ref(parent) : NULL;
		r->found = found ? object_ref(found) : NULL;
		r->path = path;
		r->leaf = leaf;
		r->leaf_len = leaf_len;
	} else {
		free(path);
	}
	if (drive)
		object_unref(drive);
	object_unref(root);
	return st;
}

ntstatus_t namespace_create(struct kprocess *p, const struct objattr *oa, void *obj, bool open_if,
			    void **existing)
{
	struct kobject *o = obj;
	/* No name: an unnamed object, even with a root directory (as Wine's server does). */
	if (!oa->name.len)
		return STATUS_SUCCESS;
	struct resolved r;
	ntstatus_t st = resolve(p, oa, true, oa->attributes & OBJ_OPENLINK, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (r.found) {
		if (open_if && r.found->type == o->type) {
			*existing = r.found;
			r.found = NULL;
			st = STATUS_OBJECT_NAME_EXISTS;
		} else {
			st = open_if ? STATUS_OBJECT_TYPE_MISMATCH : STATUS_OBJECT_NAME_COLLISION;
		}
	} else {
		st = dir_insert(r.parent, r.leaf, r.leaf_len, o, oa->attributes & OBJ_PERMANENT);
	}
	resolved_free(&r);
	return st;
}

ntstatus_t namespace_open(struct kprocess *p, const struct objattr *oa, enum object_type type,
			  void **out)
{
	struct resolved r;
	/* NtOpenSymbolicLinkObject opens the link itself (Wine's open_symlink adds OBJ_OPENLINK). */
	ntstatus_t st = resolve(p, oa, false, (oa->attributes & OBJ_OPENLINK) || type == OBJ_SYMLINK, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (type != OBJ_ANY && r.found->type != type) {
		st = STATUS_OBJECT_TYPE_MISMATCH;
	} else {
		*out = r.found;
		r.found = NULL;
	}
	resolved_free(&r);
	return st;
}

static ntstatus_t put_handle(struct kprocess *p, gptr_t handle_ptr, uint32_t access,
			     const struct objattr *oa, struct kobject *obj)
{
	handle_t h;
	if (access & MAXIMUM_ALLOWED)
		access = object_types[obj->type].valid_access;
	ntstatus_t st = handle_alloc(&p->handles, obj, access, oa->attributes & OBJ_INHERIT, &h);
	if (st == STATUS_SUCCESS && (st = guest_write_ptr(p, handle_ptr, h)) != STATUS_SUCCESS)
		handle_close(&p->handles, h);
	return st;
}

ntstatus_t namespace_create_handle(struct kprocess *p, gptr_t handle_ptr, uint32_t access,
				   const struct objattr *oa, void *obj)
{
	void *existing = NULL;
	ntstatus_t st = namespace_create(p, oa, obj, oa->attributes & OBJ_OPENIF, &existing);
	if (st == STATUS_OBJECT_NAME_EXISTS) {
		object_unref(obj);
		obj = existing;
	}
	if (nt_success(st)) {
		ntstatus_t st2 = put_handle(p, handle_ptr, access, oa, obj);
		if (st2 != STATUS_SUCCESS)
			st = st2;
	}
	object_unref(obj);
	return st;
}

ntstatus_t namespace_open_handle(struct kprocess *p, gptr_t handle_ptr, uint32_t access,
				 const struct objattr *oa, enum object_type type)
{
	void *obj;
	ntstatus_t st = namespace_open(p, oa, type, &obj);
	if (st != STATUS_SUCCESS)
		return st;
	st = put_handle(p, handle_ptr, access, oa, obj);
	object_unref(obj);
	return st;
}

/* ---- the standard tree ---- */

static uint16_t *utf16_of(const char *s, size_t *len)
{
	*len = strlen(s);
	uint16_t *w = malloc(*len * 2 + 2);
	if (w)
		for (size_t i = 0; i <= *len; i++)
			w[i] = (uint8_t)s[i];
	return w;
}

static struct kdirectory *add_dir(struct kdirectory *parent, const char *name, bool foreign)
{
	struct kobject *d;
	size_t len;
	uint16_t *w = utf16_of(name, &len);
	if (!w || namespace_new_directory(&d) != STATUS_SUCCESS) {
		free(w);
		return NULL;
	}
	((struct kdirectory *)d)->foreign = foreign;
	ntstatus_t st = dir_insert(parent, w, len, d, true);
	free(w);
	object_unref(d); /* the parent's reference keeps it */
	return st == STATUS_SUCCESS ? (struct kdirectory *)d : NULL;
}

static bool add_link(struct kdirectory *parent, const char *name, const char *target)
{
	size_t len, tlen;
	uint16_t *w = utf16_of(name, &len), *t = utf16_of(target, &tlen);
	struct kobject *l = NULL;
	bool ok = w && t && namespace_new_symlink(t, tlen, &l) == STATUS_SUCCESS &&
		  dir_insert(parent, w, len, l, true) == STATUS_SUCCESS;
	if (l)
		object_unref(l);
	free(w);
	free(t);
	return ok;
}

/* \?? and \GLOBAL?? with the device links Wine's server puts in \?? (server/directory.c). */
static bool add_dos_devices(const char *name)
{
	struct kdirectory *d = add_dir(ns.root, name, true);
	if (!d)
		return false;
	d->dos_devices = true;
	return add_link(d, "NUL", "\\Device\\Null") && add_link(d, "PIPE", "\\Device\\NamedPipe") &&
	       add_link(d, "MAILSLOT", "\\Device\\MailSlot");
}

/* \Sessions\1: the session of every ntemu process (PEB SessionId). */
static bool build_tree(void)
{
	struct kobject *root;
	if (namespace_new_directory(&root) != STATUS_SUCCESS)
		return false;
	ns.root = (struct kdirectory *)root;
	root->name = malloc(4);
	if (!root->name)
		return false;
	root->name[0] = '\\';
	root->name[1] = 0;
	root->name_len = 1;
	struct kdirectory *bno = add_dir(ns.root, "BaseNamedObjects", false);
	struct kdirectory *sessions = add_dir(ns.root, "Sessions", false);
	struct kdirectory *s1 = sessions ? add_dir(sessions, "1", false) : NULL;
	struct kdirectory *s1bno = s1 ? add_dir(s1, "BaseNamedObjects", false) : NULL;
	struct kdirectory *bnolinks = sessions ? add_dir(sessions, "BNOLINKS", false) : NULL;
	return bno && s1bno && bnolinks &&
	       add_link(bno, "Global", "\\BaseNamedObjects") &&
	       add_link(bno, "Local", "\\BaseNamedObjects") &&
	       add_link(bno, "Session", "\\Sessions\\BNOLINKS") &&
	       add_link(s1bno, "Global", "\\BaseNamedObjects") &&
	       add_link(s1bno, "Local", "\\Sessions\\1\\BaseNamedObjects") &&
	       add_link(s1bno, "Session", "\\Sessions\\BNOLINKS") &&
	       add_link(bnolinks, "1", "\\Sessions\\1\\BaseNamedObjects") &&
	       add_dir(ns.root, "KernelObjects", false) && add_dir(ns.root, "KnownDlls", false) &&
	       add_dos_devices("??") && add_dos_devices("GLOBAL??") &&
	       add_link(ns.root, "DosDevices", "\\??") && add_dir(ns.root, "Device", true) &&
	       add_dir(ns.root, "Registry", true);
}

static void teardown(void)
{
	if (!ns.root)
		return;
	dir_clear(ns.root);
	object_unref(ns.root);
	ns.root = NULL;
}

bool namespace_init(struct kprocess *p)
{
	struct kprocess **users = realloc(ns.users, (ns.nusers + 1) * sizeof *users);
	if (!users)
		return false;
	ns.users = users;
	if (!ns.nusers && !build_tree()) {
		teardown();
		return false;
	}
	ns.users[ns.nusers++] = p;
	return true;
}

void namespace_destroy(struct kprocess *p)
{
	for (size_t i = 0; i < ns.nusers; i++) {
		if (ns.users[i] != p)
			continue;
		ns.users[i] = ns.users[--ns.nusers];
		if (!ns.nusers) {
			teardown();
			free(ns.users);
			ns.users = NULL;
		}
		return;
	}
}
