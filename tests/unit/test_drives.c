/* The per-run fallback directory behind C: (kernel/drives.c, kconfig.fallback in kernel/vfs.c):
 * it is laid out from DOS paths under $TMPDIR and removed with all it holds; names the root
 * lacks resolve into it (and the walk stays there), names the root has win, a new name whose
 * parent is in the root is created in the root, listings of the root's directories show its
 * entries, and no symlink in it leads out. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/drives.h"
#include "kernel/vfs.h"
#include "kernel_fixture.h"
#include "run_suite.h"

static char tmpdir[64], root[KFX_DIR_MAX];
static char *fallback;
static struct kconfig cfg;
static struct kprocess *p;

static void host_mkdir(const char *base, const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", base, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static bool is_dir(const char *base, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", base, rel);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void setup(void)
{
	/* The fallback goes to $TMPDIR: a directory of the test's own. */
	strcpy(tmpdir, "/tmp/ntemu-test-drives-tmp-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("TMPDIR", tmpdir, 1);
	static const char *const dirs[] = {"C:\\users\\user\\Temp", "c:\\ProgramData", "D:\\elsewhere",
					   "C:\\users\\user\\AppData\\Roaming", "C:\\users\\..\\escape"};
	fallback = drive_fallback_create(dirs, 5);
	ck_assert_ptr_nonnull(fallback);
	p = kfx_drive_process(&cfg, root, "drives", 8, 0, 0);
	cfg.fallback = fallback; /* the process reads its configuration where it is */
}

static void teardown(void)
{
	kfx_drive_process_destroy(p, root);
	drive_fallback_remove(fallback);
	free(fallback);
	drive_fallback_remove(tmpdir);
	unsetenv("TMPDIR");
}

START_TEST(created_private_and_removed)
{
	ck_assert_int_eq(strncmp(fallback, tmpdir, strlen(tmpdir)), 0);
	ck_assert_int_eq(strncmp(fallback + strlen(tmpdir), "/ntemu-", 7), 0);
	struct stat st;
	ck_assert_int_eq(stat(fallback, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	ck_assert(is_dir(fallback, "users/user/Temp"));
	ck_assert(is_dir(fallback, "users/user/AppData/Roaming"));
	ck_assert(is_dir(fallback, "ProgramData"));
	/* Other drives and paths with '..' are left out. */
	ck_assert(!is_dir(fallback, "elsewhere"));
	ck_assert(!is_dir(fallback, "escape"));
	ck_assert(!is_dir(fallback, "users/escape"));
	ck_assert(!is_dir(tmpdir, "escape"));
	/* $TMPDIR holds nothing else. */
	char cmd[PATH_MAX];
	snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", tmpdir);
	ck_assert_int_eq(system(cmd), 0);

	/* What the guest leaves goes too, read-only files and unwritable directories included. */
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/users/user/Temp/left.tmp", fallback);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	chmod(path, 0444);
	snprintf(path, sizeof path, "%s/users/user/Temp", fallback);
	chmod(path, 0500);
	drive_fallback_remove(fallback);
	ck_assert_int_ne(stat(fallback, &st), 0);
	ck_assert_int_eq(system(cmd), 256); /* test -eq fails: nothing left */
}
END_TEST

static ntstatus_t resolve(const uint16_t *name, struct vfs_target *t)
{
	size_t len = 0;
	while (name[len])
		len++;
	return vfs_resolve(p, 0, name, len, t);
}

/* t's host path relative to `base`, or NULL when it lies elsewhere. */
static const char *below(const struct vfs_target *t, const char *base)
{
	char *real = realpath(base, NULL);
	size_t n = strlen(real);
	const char *rest = !strncmp(t->host_path, real, n) ? t->host_path + n : NULL;
	free(real);
	return rest;
}

START_TEST(names_the_root_lacks)
{
	struct vfs_target t;
	/* An empty root: the profile folders are the fallback's. */
	ck_assert_uint_eq(resolve(u"\\??\\C:\\users\\user\\Temp\\a.tmp", &t), STATUS_SUCCESS);
	ck_assert(!t.exists);
	ck_assert(!t.read_only);
	ck_assert_str_eq(below(&t, fallback), "/users/user/Temp/a.tmp");
	ck_assert_str_eq(t.path, "\\users\\user\\Temp\\a.tmp");
	vfs_target_free(&t);
	ck_assert(vfs_dir_exists(&cfg, "C:\\Users\\USER\\temp"));
	ck_assert(!vfs_dir_exists(&cfg, "C:\\users\\user\\Desktop"));
	struct kconfig bare = cfg;
	bare.fallback = NULL;
	ck_assert(!vfs_dir_exists(&bare, "C:\\users\\user\\Temp"));

	/* A new name whose parent is the root's goes to the root; a missing parent in both is
	 * still a missing path. */
	ck_assert_uint_eq(resolve(u"\\??\\C:\\new.txt", &t), STATUS_SUCCESS);
	ck_assert_str_eq(below(&t, root), "/new.txt");
	vfs_target_free(&t);
	ck_assert_uint_eq(resolve(u"\\??\\C:\\nowhere\\new.txt", &t), STATUS_OBJECT_PATH_NOT_FOUND);

	/* What the root has wins, in any case; below it the fallback fills in what it lacks. */
	host_mkdir(root, "Users");
	host_mkdir(root, "Users/user");
	host_mkdir(root, "Users/user/temp");
	ck_assert_uint_eq(resolve(u"\\??\\C:\\users\\user\\TEMP\\b.tmp", &t), STATUS_SUCCESS);
	ck_assert_str_eq(below(&t, root), "/Users/user/temp/b.tmp");
	ck_assert_str_eq(t.path, "\\Users\\user\\temp\\b.tmp");
	vfs_target_free(&t);
	ck_assert_uint_eq(resolve(u"\\??\\C:\\users\\user\\AppData\\Roaming", &t), STATUS_SUCCESS);
	ck_assert(t.exists);
	ck_assert_str_eq(below(&t, fallback), "/users/user/AppData/Roaming");
	ck_assert_str_eq(t.path, "\\Users\\user\\AppData\\Roaming");
	vfs_target_free(&t);

	/* The listing of a root directory shows the fallback's entries it lacks, once. */
	struct kfile dir = {.kind = KFILE_DISK, .is_dir = true, .drive = 'C', .path = "\\Users\\user"};
	char host[PATH_MAX];
	snprintf(host, sizeof host, "%s/Users/user", root);
	dir.host_path = host;
	ck_assert_uint_eq(dir_listing_load(p, &dir), STATUS_SUCCESS);
	ck_assert_uint_eq(dir.listing->n, 4);
	ck_assert_str_eq(dir.listing->names[2], "AppData");
	ck_assert_str_eq(dir.listing->names[3], "temp");
	dir_listing_free(dir.listing);

	/* A symlink in the fallback does not lead out of it. */
	char link[PATH_MAX];
	snprintf(link, sizeof link, "%s/ProgramData/out", fallback);
	ck_assert_int_eq(symlink("/etc", link), 0);
	ck_assert_uint_eq(resolve(u"\\??\\C:\\ProgramData\\out\\passwd", &t), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(resolve(u"\\??\\C:\\ProgramData\\out", &t), STATUS_ACCESS_DENIED);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("drives");
	ADD_TCASE(s, "fallback", setup, teardown, created_private_and_removed, names_the_root_lacks);
	return run_suite(s);
}
