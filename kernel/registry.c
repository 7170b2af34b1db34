#include "kernel/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/unicode.h"

/* kernel/registry.txt, built into the library (NUL-terminated) so a process never depends on
 * where ntemu was started from. */
__asm__(".pushsection .rodata\n"
	"registry_seed:\n"
	".incbin \"kernel/registry.txt\"\n"
	".byte 0\n"
	".popsection\n");
extern const char registry_seed[];

/* Upper case for comparisons. NT upcases with the l_intl.nls table; this covers ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic, which is what key and value names use in practice.
 * FIXME: the full table from l_intl.nls. */
static uint16_t upcase(uint16_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 0x20;
	if (c < 0xe0)
		return c;
	if (c <= 0xfe)
		return c == 0xf7 ? c : c - 0x20;
	if (c == 0xff)
		return 0x178;
	if (c >= 0x100 && c <= 0x17f)
		return (c & 1) && c != 0x131 && c != 0x138 && c != 0x149 ? c - 1 : c;
	if (c >= 0x3b1 && c <= 0x3cb && c != 0x3c2)
		return c - 0x20;
	if (c >= 0x430 && c <= 0x44f)
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45f)
		return c - 0x50;
	return c;
}

int registry_name_cmp(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++) {
		uint16_t x = upcase(a[i]), y = upcase(b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return alen == blen ? 0 : alen < blen ? -1 : 1;
}

static uint16_t *dup16(const uint16_t *s, size_t len)
{
	uint16_t *d = malloc((len + 1) * sizeof *d);
	if (d) {
		if (len)
			memcpy(d, s, len * sizeof *d);
		d[len] = 0;
	}
	return d;
}

/* ---- keys ---- */

/* Index of the subkey called name, or where it would go (*found false). */
static size_t subkey_index(const struct rkey *k, const uint16_t *name, size_t len, bool *found)
{
	size_t lo = 0, hi = k->nsubkeys;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = registry_name_cmp(k->subkeys[mid]->name, k->subkeys[mid]->name_len, name, len);
		if (!r) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* obj.name = the parent's full path, a backslash, the key's name ("\\REGISTRY" for the root). */
static bool set_full_name(struct rkey *k)
{
	size_t plen = k->parent ? k->parent->obj.name_len + 1 : 1;
	uint16_t *full = malloc((plen + k->name_len + 1) * sizeof *full);
	if (!full)
		return false;
	if (k->parent)
		memcpy(full, k->parent->obj.name, k->parent->obj.name_len * sizeof *full);
	full[plen - 1] = '\\';
	memcpy(full + plen, k->name, k->name_len * sizeof *full);
	full[plen + k->name_len] = 0;
	free(k->obj.name);
	k->obj.name = full;
	k->obj.name_len = plen + k->name_len;
	return true;
}

static struct rkey *key_new(struct rkey *parent, const uint16_t *name, size_t len, uint64_t time)
{
	struct rkey *k = object_alloc(OBJ_KEY, sizeof *k);
	if (!k)
		return NULL;
	k->name = dup16(name, len);
	k->name_len = len;
	k->parent = parent;
	if (!k->name || !set_full_name(k)) {
		free(k->name);
		object_unref(k);
		return NULL;
	}
	k->last_write = time;
	return k;
}

/* What a key owns besides the object itself. */
static void key_release(struct rkey *k)
{
	for (size_t i = 0; i < k->nvalues; i++) {
		free(k->values[i].name);
		free(k->values[i].data);
	}
	free(k->values);
	free(k->subkeys);
	free(k->name);
	free(k->class_name);
	k->values = NULL;
	k->subkeys = NULL;
	k->name = k->class_name = NULL;
	k->nvalues = k->nsubkeys = k->name_len = k->class_len = 0;
}

/* A key name component: NT limits it to 255 characters, and a backslash would make it a path. */
static ntstatus_t check_component(const uint16_t *name, size_t len)
{
	if (!len || len > 255)
		return STATUS_INVALID_PARAMETER;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '\\')
			return STATUS_OBJECT_NAME_INVALID;
	return STATUS_SUCCESS;
}

ntstatus_t registry_create_subkey(struct rkey *parent, const uint16_t *name, size_t len,
				  bool is_volatile, uint64_t time, struct rkey **out)
{
	ntstatus_t st = check_component(name, len);
	if (st != STATUS_SUCCESS)
		return st;
	bool found;
	size_t at = subkey_index(parent, name, len, &found);
	if (found)
		return STATUS_OBJECT_NAME_COLLISION;
	struct rkey **v = realloc(parent->subkeys, (parent->nsubkeys + 1) * sizeof *v);
	if (!v)
		return STATUS_NO_MEMORY;
	parent->subkeys = v;
	struct rkey *k = key_new(parent, name, len, time);
	if (!k)
		return STATUS_NO_MEMORY;
	k->is_volatile = is_volatile;
	memmove(v + at + 1, v + at, (parent->nsubkeys - at) * sizeof *v);
	v[at] = k; /* the tree's reference */
	parent->nsubkeys++;
	parent->last_write = time;
	*out = k;
	return STATUS_SUCCESS;
}

ntstatus_t registry_walk(struct rkey *from, const uint16_t *path, size_t len, struct rkey **found,
			 size_t *rest)
{
	struct rkey *k = from;
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && path[end] != '\\')
			end++;
		if (end == pos) {
			/* "a\\b" has an empty component; a single trailing backslash is accepted. */
			*found = k;
			*rest = pos;
			return STATUS_OBJECT_NAME_INVALID;
		}
		bool hit;
		size_t i = subkey_index(k, path + pos, end - pos, &hit);
		if (!hit)
			break;
		k = k->subkeys[i];
		pos = end < len ? end + 1 : end;
	}
	*found = k;
	*rest = pos;
	return STATUS_SUCCESS;
}

ntstatus_t registry_delete_key(struct rkey *k, uint64_t time)
{
	struct rkey *parent = k->parent;
	if (!parent || !parent->parent)
		return STATUS_CANNOT_DELETE;
	if (k->nsubkeys)
		return STATUS_CANNOT_DELETE;
	bool found;
	size_t at = subkey_index(parent, k->name, k->name_len, &found);
	memmove(parent->subkeys + at, parent->subkeys + at + 1,
		(parent->nsubkeys - at - 1) * sizeof *parent->subkeys);
	parent->nsubkeys--;
	parent->last_write = time;
	k->parent = NULL;
	k->deleted = true;
	key_release(k);
	object_unref(k); /* the tree's reference */
	return STATUS_SUCCESS;
}

/* New full paths for k and everything below it. */
static bool refresh_names(struct rkey *k)
{
	bool ok = set_full_name(k);
	for (size_t i = 0; i < k->nsubkeys; i++)
		ok = refresh_names(k->subkeys[i]) && ok;
	return ok;
}

ntstatus_t registry_rename_key(struct rkey *k, const uint16_t *name, size_t len, uint64_t time)
{
	struct rkey *parent = k->parent;
	if (!parent || !parent->parent)
		return STATUS_ACCESS_DENIED;
	ntstatus_t st = check_component(name, len);
	if (st != STATUS_SUCCESS)
		return st;
	bool found;
	size_t to = subkey_index(parent, name, len, &found);
	if (found && parent->subkeys[to] != k)
		return STATUS_OBJECT_NAME_COLLISION;
	uint16_t *n = dup16(name, len);
	if (!n)
		return STATUS_NO_MEMORY;
	size_t from = subkey_index(parent, k->name, k->name_len, &found);
	memmove(parent->subkeys + from, parent->subkeys + from + 1,
		(parent->nsubkeys - from - 1) * sizeof *parent->subkeys);
	parent->nsubkeys--;
	free(k->name);
	k->name = n;
	k->name_len = len;
	to = subkey_index(parent, name, len, &found);
	memmove(parent->subkeys + to + 1, parent->subkeys + to, (parent->nsubkeys - to) * sizeof *parent->subkeys);
	parent->subkeys[to] = k;
	parent->nsubkeys++;
	k->last_write = parent->last_write = time;
	return refresh_names(k) ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

/* ---- values ---- */

struct rvalue *registry_find_value(struct rkey *k, const uint16_t *name, size_t len)
{
	for (size_t i = 0; i < k->nvalues; i++)
		if (!registry_name_cmp(k->values[i].name, k->values[i].name_len, name, len))
			return &k->values[i];
	return NULL;
}

ntstatus_t registry_set_value(struct rkey *k, const uint16_t *name, size_t len, uint32_t type,
			      const void *data, uint32_t size, uint64_t time)
{
	uint8_t *copy = NULL;
	if (size && !(copy = malloc(size)))
		return STATUS_NO_MEMORY;
	if (size)
		memcpy(copy, data, size);
	struct rvalue *v = registry_find_value(k, name, len);
	if (!v) {
		uint16_t *n = len ? dup16(name, len) : NULL;
		struct rvalue *vs = realloc(k->values, (k->nvalues + 1) * sizeof *vs);
		if ((len && !n) || !vs) {
			free(n);
			free(copy);
			if (vs)
				k->values = vs;
			return STATUS_NO_MEMORY;
		}
		k->values = vs;
		v = &vs[k->nvalues++];
		*v = (struct rvalue){.name = n, .name_len = len};
	}
	free(v->data);
	v->type = type;
	v->data = copy;
	v->size = size;
	k->last_write = time;
	return STATUS_SUCCESS;
}

ntstatus_t registry_delete_value(struct rkey *k, const uint16_t *name, size_t len, uint64_t time)
{
	struct rvalue *v = registry_find_value(k, name, len);
	if (!v)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	free(v->name);
	free(v->data);
	size_t i = (size_t)(v - k->values);
	memmove(v, v + 1, (k->nvalues - i - 1) * sizeof *v);
	k->nvalues--;
	k->last_write = time;
	return STATUS_SUCCESS;
}

/* ---- the seed format ---- */

struct parser {
	const char *s, *end;
	unsigned line;
	char *err;
	size_t errsize;
};

static bool perr(struct parser *ps, const char *msg)
{
	snprintf(ps->err, ps->errsize, "line %u: %s", ps->line, msg);
	return false;
}

/* Create every component of `path` (UTF-8) below root. */
static bool seed_key(struct parser *ps, struct rkey *root, const char *path, size_t n, uint64_t time,
		     struct rkey **out)
{
	size_t len = utf8_to_utf16(path, n, NULL, 0);
	uint16_t *w = malloc((len + 1) * sizeof *w);
	if (!w)
		return perr(ps, "out of memory");
	utf8_to_utf16(path, n, w, len);
	struct rkey *k = root;
	size_t pos = 0;
	bool ok = true;
	while (ok && pos < len) {
		struct rkey *found;
		size_t rest;
		if (registry_walk(k, w + pos, len - pos, &found, &rest) != STATUS_SUCCESS) {
			ok = perr(ps, "empty key name component");
			break;
		}
		k = found;
		pos += rest;
		if (pos >= len)
			break;
		size_t end = pos;
		while (end < len && w[end] != '\\')
			end++;
		ok = registry_create_subkey(k, w + pos, end - pos, false, time, &k) == STATUS_SUCCESS ||
		     perr(ps, "bad key name");
		pos = end < len ? end + 1 : end;
	}
	free(w);
	*out = k;
	return ok;
}

/* A quoted string at *p (after the opening quote) up to the closing quote, unescaped. */
static bool parse_quoted(struct parser *ps, const char **p, const char *end, char **out, size_t *n)
{
	char *buf = malloc((size_t)(end - *p) + 1);
	size_t len = 0;
	const char *s = *p;
	if (!buf)
		return perr(ps, "out of memory");
	while (s < end && *s != '"') {
		if (*s == '\\' && s + 1 < end && (s[1] == '\\' || s[1] == '"'))
			s++;
		buf[len++] = *s++;
	}
	if (s >= end) {
		free(buf);
		return perr(ps, "unterminated string");
	}
	buf[len] = 0;
	*p = s + 1;
	*out = buf;
	*n = len;
	return true;
}

/* Append UTF-16 of utf8[0..n) plus a NUL to a byte buffer. */
static bool append_wstr(uint8_t **data, uint32_t *size, const char *utf8, size_t n)
{
	size_t units = utf8_to_utf16(utf8, n, NULL, 0);
	uint8_t *d = realloc(*data, *size + (units + 1) * 2);
	if (!d)
		return false;
	uint16_t *w = malloc((units + 1) * 2);
	if (!w) {
		*data = d;
		return false;
	}
	utf8_to_utf16(utf8, n, w, units);
	w[units] = 0;
	memcpy(d + *size, w, (units + 1) * 2);
	free(w);
	*data = d;
	*size += (uint32_t)(units + 1) * 2;
	return true;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The data after '=' on a value line. */
static bool parse_data(struct parser *ps, const char *p, const char *end, uint32_t *type,
		       uint8_t **data, uint32_t *size)
{
	*data = NULL;
	*size = 0;
	char *str;
	size_t n;
	if (*p == '"' || !strncmp(p, "expand:\"", 8)) {
		*type = *p == '"' ? REG_SZ : REG_EXPAND_SZ;
		p += *p == '"' ? 1 : 8;
		if (!parse_quoted(ps, &p, end, &str, &n))
			return false;
		bool ok = append_wstr(data, size, str, n);
		free(str);
		return ok || perr(ps, "out of memory");
	}
	if (!strncmp(p, "multi:", 6)) {
		*type = REG_MULTI_SZ;
		p += 6;
		while (p < end && *p == '"') {
			p++;
			if (!parse_quoted(ps, &p, end, &str, &n))
				return false;
			bool ok = append_wstr(data, size, str, n);
			free(str);
			if (!ok)
				return perr(ps, "out of memory");
			if (p < end && *p == ',')
				p++;
		}
		return append_wstr(data, size, "", 0) || perr(ps, "out of memory");
	}
	if (!strncmp(p, "dword:", 6) || !strncmp(p, "qword:", 6)) {
		bool q = *p == 'q';
		char *e;
		unsigned long long v = strtoull(p + 6, &e, 16);
		if (e == p + 6)
			return perr(ps, "bad number");
		*type = q ? REG_QWORD : REG_DWORD;
		*size = q ? 8 : 4;
		if (!(*data = malloc(*size)))
			return perr(ps, "out of memory");
		for (unsigned i = 0; i < *size; i++)
			(*data)[i] = (uint8_t)(v >> (8 * i));
		return true;
	}
	if (!strncmp(p, "hex:", 4) || !strncmp(p, "hex(", 4)) {
		*type = REG_BINARY;
		if (p[3] == '(') {
			char *e;
			*type = (uint32_t)strtoul(p + 4, &e, 16);
			if (e == p + 4 || strncmp(e, "):", 2))
				return perr(ps, "bad hex(type)");
			p = e + 2;
		} else {
			p += 4;
		}
		if (!(*data = malloc((size_t)(end - p) / 2 + 1)))
			return perr(ps, "out of memory");
		while (p + 1 < end && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
			(*data)[(*size)++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
			p += 2;
			if (p < end && *p == ',')
				p++;
		}
		return p == end || perr(ps, "bad hex byte");
	}
	return perr(ps, "unknown value type");
}

static bool seed_value(struct parser *ps, struct rkey *k, const char *p, const char *end, uint64_t time)
{
	char *name = NULL;
	size_t nlen = 0;
	if (*p == '@') {
		p++;
	} else if (*p == '"') {
		p++;
		if (!parse_quoted(ps, &p, end, &name, &nlen))
			return false;
	} else {
		return perr(ps, "expected a value name");
	}
	if (p >= end || *p != '=') {
		free(name);
		return perr(ps, "expected '='");
	}
	uint32_t type, size;
	uint8_t *data;
	bool ok = parse_data(ps, p + 1, end, &type, &data, &size);
	if (ok) {
		size_t wlen = 0;
		uint16_t *w = name ? utf8_to_utf16_dup(name, &wlen) : NULL;
		ok = (!name || w) && registry_set_value(k, w, wlen, type, data, size, time) == STATUS_SUCCESS;
		if (!ok)
			perr(ps, "out of memory");
		free(w);
	}
	free(data);
	free(name);
	return ok;
}

bool registry_load_text(struct registry *r, const char *text, size_t len, uint64_t time,
			char *err, size_t errsize)
{
	struct parser ps = {text, text + len, 0, err, errsize};
	struct rkey *key = NULL;
	const char *s = text;
	while (s < ps.end) {
		const char *eol = memchr(s, '\n', (size_t)(ps.end - s));
		const char *next = eol ? eol + 1 : ps.end;
		const char *e = eol ? eol : ps.end;
		ps.line++;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (s == e || *s == ';' || *s == '#') {
			s = next;
			continue;
		}
		if (*s == '[') {
			if (e[-1] != ']' || e - s < 3)
				return perr(&ps, "malformed key line");
			if (!seed_key(&ps, r->root, s + 1, (size_t)(e - s - 2), time, &key))
				return false;
		} else if (!key) {
			return perr(&ps, "value before the first key");
		} else if (!seed_value(&ps, key, s, e, time)) {
			return false;
		}
		s = next;
	}
	return true;
}

/* ---- the module ---- */

bool registry_init(struct kprocess *p)
{
	struct registry *r = calloc(1, sizeof *r);
	if (!r)
		return false;
	p->registry = r;
	static const uint16_t root[] = u"REGISTRY", machine[] = u"MACHINE", user[] = u"USER";
	struct rkey *k;
	r->root = key_new(NULL, root, 8, CLOCK_EPOCH_FILETIME);
	char err[128];
	if (!r->root || registry_create_subkey(r->root, machine, 7, false, CLOCK_EPOCH_FILETIME, &k) ||
	    registry_create_subkey(r->root, user, 4, false, CLOCK_EPOCH_FILETIME, &k))
		return false;
	if (!registry_load_text(r, registry_seed, strlen(registry_seed), CLOCK_EPOCH_FILETIME, err,
				sizeof err)) {
		fprintf(stderr, "ntemu: kernel/registry.txt: %s\n", err);
		return false;
	}
	return true;
}

/* Handles are gone by now (kprocess_destroy closes them first): each key holds only the tree's
 * reference. */
static void free_tree(struct rkey *k)
{
	for (size_t i = 0; i < k->nsubkeys; i++)
		free_tree(k->subkeys[i]);
	key_release(k);
	object_unref(k);
}

void registry_destroy(struct kprocess *p)
{
	struct registry *r = p->registry;
	if (!r)
		return;
	if (r->root)
		free_tree(r->root);
	free(r);
	p->registry = NULL;
}
