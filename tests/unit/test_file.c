/* File services called directly on a bare process whose C: drive is a fresh temporary
 * directory and whose system image is the real one (build/sysroot or $NTEMU_SYSROOT):
 * create dispositions, read/write/seek, information classes, case-insensitive names, escapes
 * out of the drive, the read-only system32 view, directory listings with masks, share modes,
 * deletion, standard-handle device types, and 32-bit layouts. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "kernel/guest.h"
#include "kernel/process.h"
#include "kernel/unicode.h"
#include "kernel/vfs.h"
#include "kernel/vm.h"
#include "kernel_fixture.h"
#include "run_suite.h"

#define SCRATCH 0x60000000ull
#define HANDLE_P (SCRATCH + 0x0)
#define IOSB_P (SCRATCH + 0x10)
#define OFFSET_P (SCRATCH + 0x20)
#define USTR_P (SCRATCH + 0x40)
#define OA_P (SCRATCH + 0x80)
#define NAME_P (SCRATCH + 0x100)
#define MASK_USTR_P (SCRATCH + 0x900)
#define MASK_P (SCRATCH + 0x940)
#define BUF (SCRATCH + 0x1000)
#define BUF_SIZE 0x8000

static struct kconfig cfg;
static struct kprocess *p;
static struct nt_call call;
static char root[KFX_DIR_MAX];

static void start(unsigned ptr_size)
{
	p = kfx_drive_process(&cfg, root, "file", ptr_size, SCRATCH, 0x10000);
	call = (struct nt_call){.proc = p};
}

static void setup64(void) { start(8); }
static void setup32(void) { start(4); }

static void teardown(void) { kfx_drive_process_destroy(p, root); }

static void host_write(const char *rel, const char *data)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(data, f);
	fclose(f);
}

static void host_mkdir(const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	ck_assert_int_eq(mkdir(path, 0777), 0);
}

static bool host_exists(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", root, rel);
	return !lstat(path, &st);
}

/* OBJECT_ATTRIBUTES for `name` relative to `root_handle`, OBJ_CASE_INSENSITIVE. */
static gptr_t objattr(handle_t root_handle, const char *name)
{
	return kfx_objattr(p, OA_P, root_handle, kfx_ustr(p, USTR_P, NAME_P, name), OBJ_CASE_INSENSITIVE);
}

static uint64_t iosb_info(void)
{
	uint64_t v = 0;
	guest_read_ptr(p, IOSB_P + p->ptr_size, &v);
	return v;
}

static ntstatus_t create_rel(handle_t dir, const char *name, uint32_t access, uint32_t share,
			     uint32_t disp, uint32_t options, handle_t *h)
{
	guest_write_ptr(p, IOSB_P + p->ptr_size, 0xdead);
	ntstatus_t st = nt_create_file(&call, HANDLE_P, access, objattr(dir, name), IOSB_P, 0,
				       FILE_ATTRIBUTE_NORMAL, share, disp, options, 0, 0);
	uint64_t v = 0;
	guest_read_ptr(p, HANDLE_P, &v);
	if (h)
		*h = v;
	return st;
}

static ntstatus_t create(const char *name, uint32_t access, uint32_t share, uint32_t disp,
			 uint32_t options, handle_t *h)
{
	return create_rel(0, name, access, share, disp, options, h);
}

#define RW (GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE)
#define SYNC FILE_SYNCHRONOUS_IO_NONALERT
#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static ntstatus_t write_str(handle_t h, const char *s)
{
	guest_write(p, BUF, s, strlen(s));
	return nt_write_file(&call, h, 0, 0, 0, IOSB_P, BUF, (uint32_t)strlen(s), 0, 0);
}

static ntstatus_t read_at(handle_t h, uint32_t len, const uint64_t *offset, char *out)
{
	if (offset)
		guest_write(p, OFFSET_P, offset, 8);
	ntstatus_t st = nt_read_file(&call, h, 0, 0, 0, IOSB_P, BUF, len, offset ? OFFSET_P : 0, 0);
	memset(out, 0, len + 1);
	if (st == STATUS_SUCCESS)
		guest_read(p, BUF, out, iosb_info());
	return st;
}

static ntstatus_t query(handle_t h, uint32_t cls, uint32_t len)
{
	return nt_query_information_file(&call, h, IOSB_P, BUF, len, cls);
}

static uint32_t rd32(gptr_t a) { return kfx_rd32(p, a); }
static uint64_t rd64(gptr_t a) { return kfx_rd64(p, a); }

/* The UTF-16 string at a, `bytes` long, as UTF-8. */
static char *rdname(gptr_t a, uint32_t bytes)
{
	static char out[1024];
	uint16_t w[512];
	ck_assert_uint_le(bytes, sizeof w);
	guest_read(p, a, w, bytes);
	size_t n = utf16_to_utf8(w, bytes / 2, out, sizeof out - 1);
	out[n] = 0;
	return out;
}

START_TEST(dispositions)
{
	handle_t h;
	ck_assert_uint_eq(create("\\??\\C:\\a.txt", RW, 0, FILE_OPEN, SYNC, &h), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(rd32(IOSB_P), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(iosb_info(), 0xdead);
	ck_assert_uint_eq(h, 0);
	ck_assert_uint_eq(create("\\??\\C:\\nodir\\a.txt", RW, 0, FILE_CREATE, SYNC, &h),
			  STATUS_OBJECT_PATH_NOT_FOUND);
	ck_assert_uint_eq(create("\\??\\C:\\a.txt", RW, 0, FILE_CREATE, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), FILE_CREATED);
	ck_assert_uint_eq(h % 4, 0);
	ck_assert_uint_eq(write_str(h, "0123456789"), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), 10);
	ck_assert_uint_eq(nt_close(&call, h), STATUS_SUCCESS);
	ck_assert_uint_eq(create("\\??\\C:\\a.txt", RW, 0, FILE_CREATE, SYNC, &h), STATUS_OBJECT_NAME_COLLISION);
	ck_assert_uint_eq(create("\\??\\C:\\a.txt", RW, 0, FILE_OPEN_IF, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), FILE_OPENED);
	ck_assert_uint_eq(query(h, 5 /* FileStandardInformation */, 24), STATUS_SUCCESS);
	ck_assert_uint_eq(rd64(BUF + 8), 10);
	nt_close(&call, h);
	ck_assert_uint_eq(create("\\??\\C:\\a.txt", RW, 0, FILE_OVERWRITE, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), FILE_OVERWRITTEN);
	ck_assert_uint_eq(query(h, 5, 24), STATUS_SUCCESS);
	ck_assert_uint_eq(rd64(BUF + 8), 0);
	nt_close(&call, h);
	ck_assert_uint_eq(create("\\??\\C:\\b.txt", RW, 0, FILE_OVERWRITE, SYNC, &h), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(create("\\??\\C:\\b.txt", RW, 0, FILE_OVERWRITE_IF, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), FILE_CREATED);
	nt_close(&call, h);
	ck_assert_uint_eq(create("\\??\\C:\\b.txt", RW, 0, FILE_OVERWRITE_IF, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), FILE_OVERWRITTEN);
	nt_close(&call, h);
	ck_assert_uint_eq(create("\\??\\C:\\b.txt", RW, 0, FILE_SUPERSEDE, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), FILE_SUPERSEDED);
	nt_close(&call, h);
	ck_assert_uint_eq(create("\\??\\C:\\c.txt", RW, 0, FILE_SUPERSEDE, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), FILE_CREATED);
	nt_close(&call, h);
	ck_assert_uint_eq(create("\\??\\C:\\d.txt", RW, 0, FILE_OPEN_IF, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), FILE_CREATED);
	nt_close(&call, h);
	ck_assert(host_exists("d.txt"));
	ck_assert_uint_eq(create("\\??\\C:\\a.txt", RW, 0, 6, SYNC, &h), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(create("\\??\\C:\\a.txt", RW, 0, FILE_OPEN, FILE_OPEN_BY_FILE_ID, &h), STATUS_NOT_SUPPORTED);
	/* Directories. */
	ck_assert_uint_eq(create("\\??\\C:\\sub", RW, 0, FILE_CREATE, FILE_DIRECTORY_FILE | SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), FILE_CREATED);
	nt_close(&call, h);
	ck_assert_uint_eq(create("\\??\\C:\\sub", RW, 0, FILE_OPEN, FILE_NON_DIRECTORY_FILE | SYNC, &h),
			  STATUS_FILE_IS_A_DIRECTORY);
	ck_assert_uint_eq(create("\\??\\C:\\a.txt", RW, 0, FILE_OPEN, FILE_DIRECTORY_FILE | SYNC, &h),
			  STATUS_NOT_A_DIRECTORY);
	ck_assert_uint_eq(create("\\??\\C:\\a.txt\\x", RW, 0, FILE_CREATE, SYNC, &h), STATUS_OBJECT_PATH_NOT_FOUND);
}
END_TEST

START_TEST(read_write_seek_and_query)
{
	handle_t h;
	host_mkdir("Dir");
	ck_assert_uint_eq(create("\\??\\C:\\Dir\\File.txt", RW, 0, FILE_CREATE, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(write_str(h, "hello world"), STATUS_SUCCESS);
	ck_assert_uint_eq(query(h, 14 /* FilePositionInformation */, 8), STATUS_SUCCESS);
	ck_assert_uint_eq(rd64(BUF), 11);
	uint64_t six = 6;
	guest_write(p, BUF, &six, 8);
	ck_assert_uint_eq(nt_set_information_file(&call, h, IOSB_P, BUF, 8, 14), STATUS_SUCCESS);
	char got[64];
	ck_assert_uint_eq(read_at(h, 5, NULL, got), STATUS_SUCCESS);
	ck_assert_str_eq(got, "world");
	ck_assert_uint_eq(read_at(h, 5, NULL, got), STATUS_END_OF_FILE);
	ck_assert_uint_eq(iosb_info(), 0);
	uint64_t off = 2;
	ck_assert_uint_eq(read_at(h, 3, &off, got), STATUS_SUCCESS);
	ck_assert_str_eq(got, "llo");
	/* Standard: AllocationSize rounded to 4096, EndOfFile, links, not a directory. */
	ck_assert_uint_eq(query(h, 5, 23), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(query(h, 5, 24), STATUS_SUCCESS);
	ck_assert_uint_eq(rd64(BUF), 4096);
	ck_assert_uint_eq(rd64(BUF + 8), 11);
	ck_assert_uint_eq(rd32(BUF + 16), 1);
	ck_assert_uint_eq(rd32(BUF + 20) & 0xffff, 0);
	ck_assert_uint_eq(iosb_info(), 24);
	/* Basic: an archive file with a write time after 2000. */
	ck_assert_uint_eq(query(h, 4, 40), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 32), FILE_ATTRIBUTE_ARCHIVE);
	ck_assert_uint_gt(rd64(BUF + 16), 125911584000000000ull);
	/* Name: the path without the drive, in the case the file has. */
	ck_assert_uint_eq(query(h, 9 /* FileNameInformation */, 200), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 26);
	ck_assert_str_eq(rdname(BUF + 4, rd32(BUF)), "\\Dir\\File.txt");
	ck_assert_uint_eq(iosb_info(), 30);
	ck_assert_uint_eq(query(h, 9, 10), STATUS_BUFFER_OVERFLOW);
	ck_assert_uint_eq(rd32(BUF), 26);
	ck_assert_uint_eq(iosb_info(), 10);
	/* All: name at 100 (FILE_ALL_INFORMATION.NameInformation at 96), position at 80. */
	ck_assert_uint_eq(query(h, 18, 103), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(query(h, 18, 400), STATUS_SUCCESS);
	ck_assert_uint_eq(rd64(BUF + 48), 11);
	ck_assert_uint_eq(rd64(BUF + 80), 5);
	ck_assert_uint_eq(rd32(BUF + 96), 26);
	ck_assert_str_eq(rdname(BUF + 100, 26), "\\Dir\\File.txt");
	/* Network-open and internal. */
	ck_assert_uint_eq(query(h, 34, 56), STATUS_SUCCESS);
	ck_assert_uint_eq(rd64(BUF + 40), 11);
	ck_assert_uint_eq(rd32(BUF + 48), FILE_ATTRIBUTE_ARCHIVE);
	char host[PATH_MAX];
	struct stat st;
	snprintf(host, sizeof host, "%s/Dir/File.txt", root);
	stat(host, &st);
	ck_assert_uint_eq(query(h, 6, 8), STATUS_SUCCESS);
	ck_assert_uint_eq(rd64(BUF), st.st_ino);
	ck_assert_uint_eq(query(h, 200, 8), STATUS_INVALID_INFO_CLASS);
	/* End of file. */
	uint64_t four = 4;
	guest_write(p, BUF, &four, 8);
	ck_assert_uint_eq(nt_set_information_file(&call, h, IOSB_P, BUF, 8, 20), STATUS_SUCCESS);
	stat(host, &st);
	ck_assert_uint_eq(st.st_size, 4);
	nt_close(&call, h);
	/* A read-only handle cannot write; a write-only one cannot read. */
	ck_assert_uint_eq(create("\\??\\C:\\dir\\file.txt", GENERIC_READ | SYNCHRONIZE, SHARE_ALL, FILE_OPEN, SYNC, &h),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(write_str(h, "x"), STATUS_ACCESS_DENIED);
	nt_close(&call, h);
	ck_assert_uint_eq(create("\\??\\C:\\dir\\file.txt", GENERIC_WRITE | SYNCHRONIZE, SHARE_ALL, FILE_OPEN, SYNC, &h),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(read_at(h, 1, NULL, got), STATUS_ACCESS_DENIED);
	nt_close(&call, h);
}
END_TEST

START_TEST(case_insensitive_names_and_forms)
{
	handle_t h;
	host_mkdir("Program Files");
	host_write("Program Files/ReadMe.TXT", "abc");
	const char *forms[] = {
		"\\??\\C:\\program files\\readme.txt",
		"\\??\\c:\\PROGRAM FILES\\README.TXT",
		"\\DosDevices\\C:\\Program Files\\ReadMe.TXT",
		"\\GLOBAL??\\C:\\Program Files\\.\\x\\..\\readme.txt",
		"\\Device\\HarddiskVolume1\\program files\\readme.txt",
	};
	for (unsigned k = 0; k < sizeof forms / sizeof *forms; k++) {
		ck_assert_msg(create(forms[k], GENERIC_READ | SYNCHRONIZE, SHARE_ALL, FILE_OPEN, SYNC, &h) ==
				      STATUS_SUCCESS, "%s", forms[k]);
		ck_assert_uint_eq(query(h, 9, 200), STATUS_SUCCESS);
		ck_assert_str_eq(rdname(BUF + 4, rd32(BUF)), "\\Program Files\\ReadMe.TXT");
		nt_close(&call, h);
	}
	/* Non-ASCII names are UTF-8 on the host and fold case too. */
	ck_assert_uint_eq(create("\\??\\C:\\\xc3\xa9t\xc3\xa9.txt", RW, 0, FILE_CREATE, SYNC, &h), STATUS_SUCCESS);
	nt_close(&call, h);
	ck_assert(host_exists("\xc3\xa9t\xc3\xa9.txt"));
	ck_assert_uint_eq(create("\\??\\C:\\\xc3\x89T\xc3\x89.TXT", GENERIC_READ | SYNCHRONIZE, SHARE_ALL, FILE_OPEN,
				 SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(query(h, 9, 200), STATUS_SUCCESS);
	ck_assert_str_eq(rdname(BUF + 4, rd32(BUF)), "\\\xc3\xa9t\xc3\xa9.txt");
	nt_close(&call, h);
	/* Relative to a directory handle. */
	handle_t dir;
	ck_assert_uint_eq(create("\\??\\C:\\PROGRAM FILES", FILE_READ_DATA | SYNCHRONIZE, SHARE_ALL, FILE_OPEN,
				 FILE_DIRECTORY_FILE | SYNC, &dir), STATUS_SUCCESS);
	ck_assert_uint_eq(create_rel(dir, "readme.txt", GENERIC_READ | SYNCHRONIZE, SHARE_ALL, FILE_OPEN, SYNC, &h),
			  STATUS_SUCCESS);
	nt_close(&call, h);
	ck_assert_uint_eq(create_rel(dir, "new.txt", RW, 0, FILE_CREATE, SYNC, &h), STATUS_SUCCESS);
	nt_close(&call, h);
	ck_assert(host_exists("Program Files/new.txt"));
	nt_close(&call, dir);
	/* Paths that are not files on a drive. */
	ck_assert_uint_eq(create("\\??\\UNC\\server\\share\\x", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h),
			  STATUS_OBJECT_PATH_NOT_FOUND);
	ck_assert_uint_eq(create("\\??\\Q:\\x", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h), STATUS_OBJECT_PATH_NOT_FOUND);
	ck_assert_uint_eq(create("C:\\x", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(create("\\??\\C:\\a*b", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h), STATUS_OBJECT_NAME_INVALID);
	/* CONOUT$ is ntemu's own stdout. */
	ck_assert_uint_eq(create("\\??\\CONOUT$", GENERIC_WRITE | SYNCHRONIZE, SHARE_ALL, FILE_OPEN, SYNC, &h),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(write_str(h, ""), STATUS_SUCCESS);
	nt_close(&call, h);
	ck_assert_uint_eq(create("\\??\\CON", GENERIC_WRITE | SYNCHRONIZE, SHARE_ALL, FILE_OPEN, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(write_str(h, ""), STATUS_SUCCESS);
	nt_close(&call, h);
	/* The null device swallows writes and reads as empty. */
	ck_assert_uint_eq(create("\\Device\\Null", RW, SHARE_ALL, FILE_OPEN, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(write_str(h, "gone"), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), 4);
	char got[8];
	ck_assert_uint_eq(read_at(h, 4, NULL, got), STATUS_END_OF_FILE);
	ck_assert_uint_eq(nt_query_volume_information_file(&call, h, IOSB_P, BUF, 8, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), FILE_DEVICE_NULL);
	nt_close(&call, h);
}
END_TEST

START_TEST(no_escape_from_the_drive)
{
	handle_t h;
	/* '..' stops at the root: this is C:\etc\passwd, which does not exist. */
	ck_assert_uint_eq(create("\\??\\C:\\..\\..\\..\\etc\\passwd", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h),
			  STATUS_OBJECT_PATH_NOT_FOUND);
	host_mkdir("etc");
	host_write("etc/passwd", "inside");
	ck_assert_uint_eq(create("\\??\\C:\\..\\..\\..\\etc\\passwd", GENERIC_READ | SYNCHRONIZE, SHARE_ALL, FILE_OPEN,
				 SYNC, &h), STATUS_SUCCESS);
	char got[16];
	ck_assert_uint_eq(read_at(h, 6, NULL, got), STATUS_SUCCESS);
	ck_assert_str_eq(got, "inside");
	nt_close(&call, h);
	/* Symlinks out of the drive are refused, to a directory or a file, and cannot be created
	 * through; symlinks that stay inside work. */
	char link[PATH_MAX];
	snprintf(link, sizeof link, "%s/out", root);
	ck_assert_int_eq(symlink("/etc", link), 0);
	snprintf(link, sizeof link, "%s/pw", root);
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);
	snprintf(link, sizeof link, "%s/dangling", root);
	ck_assert_int_eq(symlink("/tmp/ntemu-no-such-file-xyz", link), 0);
	snprintf(link, sizeof link, "%s/in", root);
	ck_assert_int_eq(symlink("etc", link), 0);
	ck_assert_uint_eq(create("\\??\\C:\\out\\passwd", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h),
			  STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(create("\\??\\C:\\out\\new.txt", RW, 0, FILE_CREATE, 0, &h), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(create("\\??\\C:\\pw", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(create("\\??\\C:\\dangling", RW, 0, FILE_OVERWRITE_IF, 0, &h), STATUS_ACCESS_DENIED);
	ck_assert_int_ne(access("/tmp/ntemu-no-such-file-xyz", F_OK), 0);
	ck_assert_uint_eq(create("\\??\\C:\\in\\passwd", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h), STATUS_SUCCESS);
	nt_close(&call, h);
	ck_assert_uint_eq(nt_query_attributes_file(&call, objattr(0, "\\??\\C:\\out\\passwd"), BUF),
			  STATUS_ACCESS_DENIED);
}
END_TEST

START_TEST(system_image_is_read_only)
{
	handle_t h;
	ck_assert_uint_eq(create("\\??\\C:\\windows\\system32\\ntdll.dll", GENERIC_READ | SYNCHRONIZE,
				 FILE_SHARE_READ | FILE_SHARE_DELETE, FILE_OPEN, SYNC | FILE_NON_DIRECTORY_FILE, &h),
			  STATUS_SUCCESS);
	char got[4];
	ck_assert_uint_eq(read_at(h, 2, NULL, got), STATUS_SUCCESS);
	ck_assert_str_eq(got, "MZ");
	ck_assert_uint_eq(query(h, 9, 200), STATUS_SUCCESS);
	ck_assert_str_eq(rdname(BUF + 4, rd32(BUF)), "\\windows\\system32\\ntdll.dll");
	ck_assert_uint_eq(query(h, 4, 40), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 32) & FILE_ATTRIBUTE_READONLY, FILE_ATTRIBUTE_READONLY);
	char *host, *nt;
	ck_assert_uint_eq(vfs_file_for_section(p, h, FILE_READ_DATA, &host, &nt), STATUS_SUCCESS);
	ck_assert_str_eq(nt, "\\??\\C:\\windows\\system32\\ntdll.dll");
	char expect[PATH_MAX + 32];
	snprintf(expect, sizeof expect, "%s/system32/ntdll.dll", cfg.sysroot);
	ck_assert_str_eq(host, expect);
	free(nt);
	/* The same name for the host file, as the bootstrap asks. */
	nt = vfs_nt_path_of_host(&cfg, host);
	ck_assert_str_eq(nt, "\\??\\C:\\windows\\system32\\ntdll.dll");
	free(nt);
	free(host);
	snprintf(expect, sizeof expect, "%s/sub/x.exe", root);
	nt = vfs_nt_path_of_host(&cfg, expect);
	ck_assert_str_eq(nt, "\\??\\C:\\sub\\x.exe");
	free(nt);
	ck_assert_ptr_null(vfs_nt_path_of_host(&cfg, "/etc/passwd"));
	/* FSCTL_GET_OBJECT_ID: a 16-byte id unique per file. */
	ck_assert_uint_eq(nt_fs_control_file(&call, h, 0, 0, 0, IOSB_P, 0x9009c, 0, 0, BUF, 64), STATUS_SUCCESS);
	uint64_t id1[2] = {rd64(BUF), rd64(BUF + 8)};
	nt_close(&call, h);
	ck_assert_uint_eq(create("\\??\\C:\\Windows\\System32\\KERNEL32.DLL", GENERIC_READ | SYNCHRONIZE, SHARE_ALL,
				 FILE_OPEN, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_fs_control_file(&call, h, 0, 0, 0, IOSB_P, 0x9009c, 0, 0, BUF, 64), STATUS_SUCCESS);
	ck_assert(rd64(BUF) != id1[0] || rd64(BUF + 8) != id1[1]);
	nt_close(&call, h);
	/* No writing, creating or deleting there. */
	ck_assert_uint_eq(create("\\??\\C:\\windows\\system32\\ntdll.dll", RW, SHARE_ALL, FILE_OPEN, SYNC, &h),
			  STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(create("\\??\\C:\\windows\\system32\\new.dll", RW, 0, FILE_CREATE, SYNC, &h),
			  STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(create("\\??\\C:\\windows\\system32\\ntdll.dll", DELETE, SHARE_ALL, FILE_OPEN, 0, &h),
			  STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(create("\\??\\C:\\windows\\system32\\nope.dll", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	/* MAXIMUM_ALLOWED gets read access only. */
	ck_assert_uint_eq(create("\\??\\C:\\windows\\system32\\ntdll.dll", MAXIMUM_ALLOWED, SHARE_ALL, FILE_OPEN, 0, &h),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(write_str(h, "x"), STATUS_ACCESS_DENIED);
	nt_close(&call, h);
	/* C:\windows itself is a directory; syswow64 is there too. */
	ck_assert_uint_eq(create("\\??\\C:\\windows", FILE_READ_DATA | SYNCHRONIZE, SHARE_ALL, FILE_OPEN,
				 FILE_DIRECTORY_FILE | SYNC, &h), STATUS_SUCCESS);
	nt_close(&call, h);
	ck_assert_uint_eq(nt_query_attributes_file(&call, objattr(0, "\\??\\C:\\windows\\syswow64\\ntdll.dll"), BUF),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 32) & FILE_ATTRIBUTE_DIRECTORY, 0);
	ck_assert_uint_eq(nt_query_attributes_file(&call, objattr(0, "\\??\\C:\\windows\\system32"), BUF),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 32) & FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_DIRECTORY);
	ck_assert_uint_eq(nt_query_full_attributes_file(&call, objattr(0, "\\??\\C:\\windows\\missing.dll"), BUF),
			  STATUS_OBJECT_NAME_NOT_FOUND);
}
END_TEST

/* Names of the entries NtQueryDirectoryFile returned in BUF (class FileNamesInformation or
 * FileBothDirectoryInformation), joined with ','. */
static char *listed(uint32_t cls)
{
	static char out[1024];
	out[0] = 0;
	gptr_t e = BUF;
	for (;;) {
		uint32_t next = rd32(e);
		uint32_t len = rd32(e + (cls == 12 ? 8 : 60));
		const char *n = rdname(e + (cls == 12 ? 12 : 94), len);
		if (out[0])
			strcat(out, ",");
		strcat(out, n);
		if (!next)
			break;
		ck_assert_uint_eq(next % 8, 0);
		e += next;
	}
	return out;
}

static ntstatus_t list(handle_t dir, uint32_t cls, const char *mask, bool restart, bool single)
{
	if (mask)
		kfx_ustr(p, MASK_USTR_P, MASK_P, mask);
	return nt_query_directory_file(&call, dir, 0, 0, 0, IOSB_P, BUF, BUF_SIZE, cls, single,
				       mask ? MASK_USTR_P : 0, restart);
}

START_TEST(directory_listing_with_masks)
{
	host_mkdir("d");
	host_write("d/b.txt", "bb");
	host_write("d/A.txt", "a");
	host_write("d/c.log", "ccc");
	host_mkdir("d/sub");
	handle_t dir;
	ck_assert_uint_eq(create("\\??\\C:\\d", FILE_READ_DATA | SYNCHRONIZE, SHARE_ALL, FILE_OPEN,
				 FILE_DIRECTORY_FILE | SYNC, &dir), STATUS_SUCCESS);
	ck_assert_uint_eq(list(dir, 3, "*.TXT", false, false), STATUS_SUCCESS);
	ck_assert_str_eq(listed(3), "A.txt,b.txt");
	ck_assert_uint_eq(rd64(BUF + 40), 1); /* EndOfFile of A.txt */
	ck_assert_uint_eq(list(dir, 3, NULL, false, false), STATUS_NO_MORE_FILES);
	ck_assert_uint_eq(list(dir, 12, NULL, true, false), STATUS_SUCCESS);
	ck_assert_str_eq(listed(12), ".,..,A.txt,b.txt,c.log,sub");
	ck_assert_uint_eq(list(dir, 12, "nothing*", true, false), STATUS_NO_SUCH_FILE);
	/* One at a time, with '?' and DOS_STAR. */
	ck_assert_uint_eq(list(dir, 12, "?.txt", true, true), STATUS_SUCCESS);
	ck_assert_str_eq(listed(12), "A.txt");
	ck_assert_uint_eq(list(dir, 12, NULL, false, true), STATUS_SUCCESS);
	ck_assert_str_eq(listed(12), "b.txt");
	ck_assert_uint_eq(list(dir, 12, "<.log", true, false), STATUS_SUCCESS);
	ck_assert_str_eq(listed(12), "c.log");
	/* Other classes: directory attribute and file id. */
	ck_assert_uint_eq(list(dir, 37, "sub", true, false), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 56), FILE_ATTRIBUTE_DIRECTORY);
	ck_assert_uint_eq(rd32(BUF + 60), 6);
	ck_assert_str_eq(rdname(BUF + 104, 6), "sub");
	ck_assert_uint_ne(rd64(BUF + 96), 0);
	ck_assert_uint_eq(list(dir, 1, "c.log", true, false), STATUS_SUCCESS);
	ck_assert_str_eq(rdname(BUF + 64, rd32(BUF + 60)), "c.log");
	ck_assert_uint_eq(list(dir, 2, "c.log", true, false), STATUS_SUCCESS);
	ck_assert_str_eq(rdname(BUF + 68, rd32(BUF + 60)), "c.log");
	ck_assert_uint_eq(list(dir, 9, NULL, true, false), STATUS_INVALID_INFO_CLASS);
	nt_close(&call, dir);
	/* The drive's root has no "." and "..". */
	ck_assert_uint_eq(create("\\??\\C:\\", FILE_READ_DATA | SYNCHRONIZE, SHARE_ALL, FILE_OPEN,
				 FILE_DIRECTORY_FILE | SYNC, &dir), STATUS_SUCCESS);
	ck_assert_uint_eq(list(dir, 12, NULL, false, false), STATUS_SUCCESS);
	ck_assert_str_eq(listed(12), "d,windows");
	nt_close(&call, dir);
	/* A windows\ of the root's own shows the system image views too; a symlink out of the
	 * drive is not listed. */
	host_mkdir("Windows");
	host_write("Windows/win.ini", "");
	char link[PATH_MAX];
	snprintf(link, sizeof link, "%s/Windows/out", root);
	ck_assert_int_eq(symlink("/etc", link), 0);
	ck_assert_uint_eq(create("\\??\\C:\\windows", FILE_READ_DATA | SYNCHRONIZE, SHARE_ALL, FILE_OPEN,
				 FILE_DIRECTORY_FILE | SYNC, &dir), STATUS_SUCCESS);
	ck_assert_uint_eq(list(dir, 3, NULL, false, false), STATUS_SUCCESS);
	ck_assert_str_eq(listed(3), ".,..,system32,syswow64,win.ini");
	nt_close(&call, dir);
	/* Not a directory. */
	handle_t h;
	ck_assert_uint_eq(create("\\??\\C:\\d\\c.log", GENERIC_READ | SYNCHRONIZE, SHARE_ALL, FILE_OPEN, SYNC, &h),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(list(h, 12, NULL, false, false), STATUS_INVALID_PARAMETER);
	nt_close(&call, h);
}
END_TEST

START_TEST(share_modes)
{
	handle_t h1, h2;
	host_write("s.txt", "s");
	ck_assert_uint_eq(create("\\??\\C:\\s.txt", GENERIC_READ, FILE_SHARE_READ, FILE_OPEN, 0, &h1), STATUS_SUCCESS);
	ck_assert_uint_eq(create("\\??\\C:\\s.txt", GENERIC_WRITE, SHARE_ALL, FILE_OPEN, 0, &h2), STATUS_SHARING_VIOLATION);
	ck_assert_uint_eq(create("\\??\\C:\\s.txt", GENERIC_READ, FILE_SHARE_WRITE, FILE_OPEN, 0, &h2),
			  STATUS_SHARING_VIOLATION);
	ck_assert_uint_eq(create("\\??\\C:\\s.txt", GENERIC_READ, FILE_SHARE_READ, FILE_OPEN, 0, &h2), STATUS_SUCCESS);
	nt_close(&call, h2);
	/* Attribute-only opens take no part in share checks. */
	ck_assert_uint_eq(create("\\??\\C:\\s.txt", FILE_READ_ATTRIBUTES, 0, FILE_OPEN, 0, &h2), STATUS_SUCCESS);
	nt_close(&call, h2);
	ck_assert_uint_eq(create("\\??\\C:\\s.txt", DELETE, SHARE_ALL, FILE_OPEN, 0, &h2), STATUS_SHARING_VIOLATION);
	nt_close(&call, h1);
	ck_assert_uint_eq(create("\\??\\C:\\s.txt", GENERIC_WRITE, 0, FILE_OPEN, 0, &h2), STATUS_SUCCESS);
	nt_close(&call, h2);
}
END_TEST

/* FILE_RENAME_INFORMATION (x64 layout) naming `to`, set with class `cls`. */
static ntstatus_t set_name(handle_t h, const char *to, uint32_t cls)
{
	size_t len;
	uint16_t *w = utf8_to_utf16_dup(to, &len);
	uint8_t ri[20] = {0};
	uint32_t bytes = (uint32_t)len * 2;
	memcpy(ri + 16, &bytes, 4);
	guest_write(p, BUF, ri, 20);
	guest_write(p, BUF + 20, w, bytes);
	free(w);
	return nt_set_information_file(&call, h, IOSB_P, BUF, 20 + bytes, cls);
}

START_TEST(deletion)
{
	handle_t h, h2;
	/* Delete on close. */
	ck_assert_uint_eq(create("\\??\\C:\\tmp.txt", RW | DELETE, 0, FILE_CREATE, SYNC | FILE_DELETE_ON_CLOSE, &h),
			  STATUS_SUCCESS);
	ck_assert(host_exists("tmp.txt"));
	nt_close(&call, h);
	ck_assert(!host_exists("tmp.txt"));
	ck_assert_uint_eq(create("\\??\\C:\\tmp.txt", RW, 0, FILE_CREATE, FILE_DELETE_ON_CLOSE, &h),
			  STATUS_INVALID_PARAMETER);
	/* FileDispositionInformation as kernelbase's DeleteFile: pending until the last close. */
	host_write("del.txt", "x");
	ck_assert_uint_eq(create("\\??\\C:\\del.txt", DELETE | SYNCHRONIZE, SHARE_ALL, FILE_OPEN, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(create("\\??\\C:\\del.txt", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h2), STATUS_SUCCESS);
	uint8_t yes = 1;
	guest_write(p, BUF, &yes, 1);
	ck_assert_uint_eq(nt_set_information_file(&call, h, IOSB_P, BUF, 1, 13), STATUS_SUCCESS);
	ck_assert_uint_eq(query(h, 5, 24), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 20) & 0xff, 1); /* DeletePending */
	handle_t h3;
	ck_assert_uint_eq(create("\\??\\C:\\del.txt", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h3), STATUS_DELETE_PENDING);
	nt_close(&call, h);
	ck_assert(host_exists("del.txt"));
	nt_close(&call, h2);
	ck_assert(!host_exists("del.txt"));
	/* No DELETE access: denied. */
	host_write("keep.txt", "x");
	ck_assert_uint_eq(create("\\??\\C:\\keep.txt", GENERIC_READ, SHARE_ALL, FILE_OPEN, 0, &h), STATUS_SUCCESS);
	guest_write(p, BUF, &yes, 1);
	ck_assert_uint_eq(nt_set_information_file(&call, h, IOSB_P, BUF, 1, 13), STATUS_ACCESS_DENIED);
	nt_close(&call, h);
	/* A directory with something in it cannot be deleted; an empty one can (Ex class). */
	host_mkdir("full");
	host_write("full/x", "x");
	ck_assert_uint_eq(create("\\??\\C:\\full", DELETE, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE, &h), STATUS_SUCCESS);
	guest_write(p, BUF, &yes, 1);
	ck_assert_uint_eq(nt_set_information_file(&call, h, IOSB_P, BUF, 1, 13), STATUS_DIRECTORY_NOT_EMPTY);
	nt_close(&call, h);
	host_mkdir("empty");
	ck_assert_uint_eq(create("\\??\\C:\\empty", DELETE, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE, &h), STATUS_SUCCESS);
	uint32_t flags = 1;
	guest_write(p, BUF, &flags, 4);
	ck_assert_uint_eq(nt_set_information_file(&call, h, IOSB_P, BUF, 4, 64), STATUS_SUCCESS);
	nt_close(&call, h);
	ck_assert(!host_exists("empty"));
	/* Rename. */
	host_write("old.txt", "o");
	ck_assert_uint_eq(create("\\??\\C:\\old.txt", DELETE | SYNCHRONIZE, SHARE_ALL, FILE_OPEN, SYNC, &h), STATUS_SUCCESS);
	const char *to = "\\??\\C:\\new.txt";
	size_t len;
	uint16_t *w = utf8_to_utf16_dup(to, &len);
	uint8_t ri[24] = {0};
	uint32_t bytes = (uint32_t)len * 2;
	memcpy(ri + 16, &bytes, 4);
	guest_write(p, BUF, ri, 20);
	guest_write(p, BUF + 20, w, bytes);
	free(w);
	ck_assert_uint_eq(nt_set_information_file(&call, h, IOSB_P, BUF, 20 + bytes, 10), STATUS_SUCCESS);
	ck_assert(!host_exists("old.txt"));
	ck_assert(host_exists("new.txt"));
	ck_assert_uint_eq(query(h, 9, 200), STATUS_SUCCESS);
	ck_assert_str_eq(rdname(BUF + 4, rd32(BUF)), "\\new.txt");
	/* Only the case changes: the same file, renamed. */
	ck_assert_uint_eq(set_name(h, "\\??\\C:\\NEW.txt", 10), STATUS_SUCCESS);
	ck_assert(host_exists("NEW.txt"));
	ck_assert(!host_exists("new.txt"));
	/* Another file there: a collision unless replacing. */
	host_write("other.txt", "x");
	ck_assert_uint_eq(set_name(h, "\\??\\C:\\OTHER.TXT", 10), STATUS_OBJECT_NAME_COLLISION);
	/* A hard link (FileLinkInformation) leaves the file where it is. */
	ck_assert_uint_eq(set_name(h, "\\??\\C:\\link.txt", 11), STATUS_SUCCESS);
	ck_assert(host_exists("NEW.txt"));
	ck_assert(host_exists("link.txt"));
	ck_assert_uint_eq(query(h, 5, 24), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 16), 2);
	nt_close(&call, h);
}
END_TEST

static ntstatus_t lock(handle_t h, uint64_t off, uint64_t len, bool exclusive)
{
	guest_write(p, OFFSET_P, &off, 8);
	guest_write(p, OFFSET_P + 8, &len, 8);
	return nt_lock_file(&call, h, 0, 0, 0, IOSB_P, OFFSET_P, OFFSET_P + 8, 0, 1, exclusive);
}

static ntstatus_t unlock(handle_t h, uint64_t off, uint64_t len)
{
	guest_write(p, OFFSET_P, &off, 8);
	guest_write(p, OFFSET_P + 8, &len, 8);
	return nt_unlock_file(&call, h, IOSB_P, OFFSET_P, OFFSET_P + 8, 0);
}

START_TEST(byte_range_locks_and_nt_delete_file)
{
	handle_t a, b;
	host_write("l.txt", "0123456789");
	ck_assert_uint_eq(create("\\??\\C:\\l.txt", RW, SHARE_ALL, FILE_OPEN, SYNC, &a), STATUS_SUCCESS);
	ck_assert_uint_eq(create("\\??\\C:\\l.txt", RW, SHARE_ALL, FILE_OPEN, SYNC, &b), STATUS_SUCCESS);
	ck_assert_uint_eq(lock(a, 2, 3, true), STATUS_SUCCESS);
	ck_assert_uint_eq(lock(b, 4, 10, false), STATUS_LOCK_NOT_GRANTED);
	ck_assert_uint_eq(lock(b, 5, 10, false), STATUS_SUCCESS);
	ck_assert_uint_eq(lock(b, 6, 1, false), STATUS_SUCCESS);
	/* Reads and writes through the other handle stop at the exclusive lock; shared locks
	 * stop every writer. */
	char got[16];
	uint64_t off = 3;
	ck_assert_uint_eq(read_at(b, 1, &off, got), STATUS_FILE_LOCK_CONFLICT);
	ck_assert_uint_eq(read_at(a, 1, &off, got), STATUS_SUCCESS);
	off = 0;
	ck_assert_uint_eq(read_at(b, 2, &off, got), STATUS_SUCCESS);
	ck_assert_str_eq(got, "01");
	off = 8;
	guest_write(p, OFFSET_P, &off, 8);
	guest_write(p, BUF, "x", 1);
	ck_assert_uint_eq(nt_write_file(&call, b, 0, 0, 0, IOSB_P, BUF, 1, OFFSET_P, 0), STATUS_FILE_LOCK_CONFLICT);
	ck_assert_uint_eq(unlock(b, 5, 9), STATUS_RANGE_NOT_LOCKED);
	ck_assert_uint_eq(unlock(b, 5, 10), STATUS_SUCCESS);
	ck_assert_uint_eq(unlock(b, 6, 1), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_write_file(&call, b, 0, 0, 0, IOSB_P, BUF, 1, OFFSET_P, 0), STATUS_SUCCESS);
	/* Closing a handle drops its locks. */
	nt_close(&call, a);
	ck_assert_uint_eq(lock(b, 0, 10, true), STATUS_SUCCESS);
	nt_close(&call, b);
	/* NtDeleteFile: gone at once when nothing else has it open. */
	ck_assert_uint_eq(nt_delete_file(&call, objattr(0, "\\??\\C:\\L.TXT")), STATUS_SUCCESS);
	ck_assert(!host_exists("l.txt"));
	ck_assert_uint_eq(nt_delete_file(&call, objattr(0, "\\??\\C:\\l.txt")), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(nt_cancel_io_file(&call, 0x7ff0, IOSB_P), STATUS_INVALID_HANDLE);
}
END_TEST

static uint32_t device_type_of(int fd)
{
	struct kfile *f;
	ck_assert_uint_eq(vfs_make_host_fd_file(p, fd, GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE, &f), STATUS_SUCCESS);
	handle_t h;
	ck_assert_uint_eq(handle_alloc(&p->handles, f, f->access, 0, &h), STATUS_SUCCESS);
	object_unref(f);
	ck_assert_uint_eq(nt_query_volume_information_file(&call, h, IOSB_P, BUF, 8, 4), STATUS_SUCCESS);
	uint32_t type = rd32(BUF);
	nt_close(&call, h);
	return type;
}

START_TEST(std_handles_device_types)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_uint_eq(device_type_of(fds[0]), FILE_DEVICE_NAMED_PIPE);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/out.txt", root);
	int file = open(path, O_CREAT | O_RDWR, 0644);
	ck_assert_uint_eq(device_type_of(file), FILE_DEVICE_DISK);
	int null = open("/dev/null", O_RDWR);
	ck_assert_uint_eq(device_type_of(null), FILE_DEVICE_NULL);
	/* Writes reach the host fd; closing the guest handle leaves ntemu's fd open. */
	struct kfile *f;
	ck_assert_uint_eq(vfs_make_host_fd_file(p, fds[1], GENERIC_WRITE | SYNCHRONIZE, &f), STATUS_SUCCESS);
	handle_t h;
	handle_alloc(&p->handles, f, f->access, 0, &h);
	object_unref(f);
	ck_assert_uint_eq(write_str(h, "to the pipe"), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), 11);
	/* A pipe is no console: ConDrv requests fail so msvcrt falls back to WriteFile. */
	ck_assert_uint_eq(nt_device_io_control_file(&call, h, 0, 0, 0, IOSB_P, 0x504000, 0, 0, BUF, 4),
			  STATUS_NOT_SUPPORTED);
	nt_close(&call, h);
	char got[16] = {0};
	ck_assert_int_eq(read(fds[0], got, sizeof got), 11);
	ck_assert_str_eq(got, "to the pipe");
	/* PeekNamedPipe: the bytes stay for the next read. */
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_uint_eq(vfs_make_host_fd_file(p, fds[0], GENERIC_READ | SYNCHRONIZE, &f), STATUS_SUCCESS);
	handle_alloc(&p->handles, f, f->access, 0, &h);
	object_unref(f);
	ck_assert_uint_eq(nt_fs_control_file(&call, h, 0, 0, 0, IOSB_P, 0x11400c, 0, 0, BUF, 16), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 4), 0);
	ck_assert_int_eq(write(fds[1], "peekaboo", 8), 8);
	ck_assert_uint_eq(nt_fs_control_file(&call, h, 0, 0, 0, IOSB_P, 0x11400c, 0, 0, BUF, 20), STATUS_BUFFER_OVERFLOW);
	ck_assert_uint_eq(rd32(BUF + 4), 8);
	ck_assert_uint_eq(iosb_info(), 20);
	ck_assert_uint_eq(nt_fs_control_file(&call, h, 0, 0, 0, IOSB_P, 0x11400c, 0, 0, BUF, 64), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), 24);
	ck_assert_uint_eq(read_at(h, 4, NULL, got), STATUS_SUCCESS);
	ck_assert_str_eq(got, "peek");
	close(fds[1]);
	ck_assert_uint_eq(read_at(h, 8, NULL, got), STATUS_SUCCESS);
	ck_assert_str_eq(got, "aboo");
	ck_assert_uint_eq(nt_fs_control_file(&call, h, 0, 0, 0, IOSB_P, 0x11400c, 0, 0, BUF, 16), STATUS_PIPE_BROKEN);
	ck_assert_uint_eq(read_at(h, 8, NULL, got), STATUS_END_OF_FILE);
	nt_close(&call, h);
	close(fds[0]);
	ck_assert_int_eq(pipe(fds), 0);
	/* A pipe nobody reads any more: STATUS_PIPE_BROKEN, and no SIGPIPE for ntemu. */
	close(fds[0]);
	ck_assert_uint_eq(vfs_make_host_fd_file(p, fds[1], GENERIC_WRITE | SYNCHRONIZE, &f), STATUS_SUCCESS);
	handle_alloc(&p->handles, f, f->access, 0, &h);
	object_unref(f);
	ck_assert_uint_eq(write_str(h, "lost"), STATUS_PIPE_BROKEN);
	nt_close(&call, h);
	close(fds[1]);
	close(file);
	close(null);
	/* The three standard handles: plain values, multiples of 4. */
	handle_t std[3];
	ck_assert_uint_eq(vfs_open_std_handles(p, std), STATUS_SUCCESS);
	for (int k = 0; k < 3; k++)
		ck_assert_uint_eq(std[k] & 3, 0);
}
END_TEST

/* A tty-backed handle is a console: GET_MODE/SET_MODE, WRITE_CONSOLE (UTF-16 to UTF-8) and
 * WRITE_FILE reach the tty. */
START_TEST(console_on_a_tty)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	ck_assert_int_ge(slave, 0);
	struct termios t;
	tcgetattr(slave, &t);
	cfmakeraw(&t);
	tcsetattr(slave, TCSANOW, &t);
	struct kfile *f;
	ck_assert_uint_eq(vfs_make_host_fd_file(p, slave, GENERIC_WRITE | SYNCHRONIZE, &f), STATUS_SUCCESS);
	handle_t h;
	handle_alloc(&p->handles, f, f->access, 0, &h);
	object_unref(f);
	ck_assert_uint_eq(nt_query_volume_information_file(&call, h, IOSB_P, BUF, 8, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), FILE_DEVICE_CONSOLE);
	ck_assert_uint_eq(rd32(BUF + 4), 0x20000);
	ck_assert_uint_eq(nt_device_io_control_file(&call, h, 0, 0, 0, IOSB_P, 0x504000, 0, 0, BUF, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 3);
	ck_assert_uint_eq(iosb_info(), 4);
	uint32_t mode = 7;
	guest_write(p, BUF, &mode, 4);
	ck_assert_uint_eq(nt_device_io_control_file(&call, h, 0, 0, 0, IOSB_P, 0x508004, BUF, 4, 0, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_device_io_control_file(&call, h, 0, 0, 0, IOSB_P, 0x504000, 0, 0, BUF, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), 7);
	static const uint16_t text[4] = {'h', 0xe9, '!', 0x20ac};
	guest_write(p, BUF, text, sizeof text);
	ck_assert_uint_eq(nt_device_io_control_file(&call, h, 0, 0, 0, IOSB_P, 0x508078, BUF, sizeof text, 0, 0),
			  STATUS_SUCCESS);
	guest_write(p, BUF, "ab", 2);
	ck_assert_uint_eq(nt_device_io_control_file(&call, h, 0, 0, 0, IOSB_P, 0x50807c, BUF, 2, 0, 0), STATUS_SUCCESS);
	ck_assert_uint_eq(write_str(h, "cd"), STATUS_SUCCESS);
	/* The pty hands the bytes over in pieces: collect them (each read waits for more). */
	char got[16] = {0};
	size_t n = 0;
	while (n < 11) {
		ssize_t r = read(master, got + n, sizeof got - 1 - n);
		ck_assert_int_gt(r, 0);
		n += (size_t)r;
	}
	ck_assert_uint_eq(n, 11);
	ck_assert_str_eq(got, "h\xc3\xa9!\xe2\x82\xac" "abcd");
	/* ReadConsoleW: a line as UTF-16 ending in "\r\n". */
	ck_assert_int_eq(write(master, "h\xc3\xa9\n", 4), 4);
	ck_assert_uint_eq(nt_device_io_control_file(&call, h, 0, 0, 0, IOSB_P, 0x504028, 0, 0, BUF, 64), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), 8);
	uint16_t line[4];
	guest_read(p, BUF, line, 8);
	ck_assert(line[0] == 'h' && line[1] == 0xe9 && line[2] == '\r' && line[3] == '\n');
	/* GetConsoleScreenBufferInfo: the tty's size. */
	struct winsize ws = {.ws_row = 30, .ws_col = 100};
	ck_assert_int_eq(ioctl(slave, TIOCSWINSZ, &ws), 0);
	ck_assert_uint_eq(nt_device_io_control_file(&call, h, 0, 0, 0, IOSB_P, 0x504088, 0, 0, BUF, 100), STATUS_SUCCESS);
	ck_assert_uint_eq(iosb_info(), 100);
	ck_assert_uint_eq(rd32(BUF + 8), 100 | 30 << 16);   /* width, height */
	ck_assert_uint_eq(rd32(BUF + 20), 99 | 29 << 16);   /* win_right, win_bottom */
	ck_assert_uint_eq(rd32(BUF + 36 + 7 * 4), 0xc0c0c0);
	/* Not a ConDrv request. */
	ck_assert_uint_eq(nt_device_io_control_file(&call, h, 0, 0, 0, IOSB_P, 0x90000, 0, 0, 0, 0),
			  STATUS_INVALID_DEVICE_REQUEST);
	nt_close(&call, h);
	close(slave);
	close(master);
}
END_TEST

START_TEST(volume_information)
{
	handle_t h;
	ck_assert_uint_eq(create("\\??\\C:\\", FILE_READ_ATTRIBUTES | SYNCHRONIZE, SHARE_ALL, FILE_OPEN,
				 FILE_DIRECTORY_FILE | SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(nt_query_volume_information_file(&call, h, IOSB_P, BUF, 8, 4), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF), FILE_DEVICE_DISK);
	ck_assert_uint_eq(rd32(BUF + 4), 0x20);
	ck_assert_uint_eq(nt_query_volume_information_file(&call, h, IOSB_P, BUF, 7, 4), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(nt_query_volume_information_file(&call, h, IOSB_P, BUF, 64, 5), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 4), 255);
	ck_assert_str_eq(rdname(BUF + 12, rd32(BUF + 8)), "NTFS");
	ck_assert_uint_eq(iosb_info(), 20);
	ck_assert_uint_eq(nt_query_volume_information_file(&call, h, IOSB_P, BUF, 64, 1), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 8), 0x4e540043);
	ck_assert_uint_eq(nt_query_volume_information_file(&call, h, IOSB_P, BUF, 64, 3), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 20), 512);
	ck_assert_uint_ne(rd64(BUF), 0);
	ck_assert_uint_eq(nt_query_volume_information_file(&call, h, IOSB_P, BUF, 64, 7), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(BUF + 28), 512);
	ck_assert_uint_eq(nt_query_volume_information_file(&call, h, IOSB_P, BUF, 64, 99), STATUS_INVALID_INFO_CLASS);
	nt_close(&call, h);
}
END_TEST

/* 32-bit guest: OBJECT_ATTRIBUTES 0x18, UNICODE_STRING 8, IO_STATUS_BLOCK 8 bytes,
 * FILE_RENAME_INFORMATION with a 4-byte RootDirectory. */
START_TEST(guest_32bit_layouts)
{
	handle_t h;
	guest_write_ptr(p, IOSB_P + 8, 0x55555555);
	ck_assert_uint_eq(create("\\??\\C:\\w32.txt", RW, 0, FILE_CREATE, SYNC, &h), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(IOSB_P), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(IOSB_P + 4), FILE_CREATED);
	ck_assert_uint_eq(rd32(IOSB_P + 8), 0x55555555);
	ck_assert_uint_eq(write_str(h, "abc"), STATUS_SUCCESS);
	ck_assert_uint_eq(rd32(IOSB_P + 4), 3);
	ck_assert_uint_eq(query(h, 9, 200), STATUS_SUCCESS);
	ck_assert_str_eq(rdname(BUF + 4, rd32(BUF)), "\\w32.txt");
	ck_assert_uint_eq(query(h, 5, 24), STATUS_SUCCESS);
	ck_assert_uint_eq(rd64(BUF + 8), 3);
	nt_close(&call, h);
	/* Rename relative to a directory handle. */
	handle_t dir;
	ck_assert_uint_eq(create("\\??\\C:\\", FILE_READ_DATA | SYNCHRONIZE, SHARE_ALL, FILE_OPEN,
				 FILE_DIRECTORY_FILE | SYNC, &dir), STATUS_SUCCESS);
	ck_assert_uint_eq(create("\\??\\C:\\w32.txt", DELETE, SHARE_ALL, FILE_OPEN, 0, &h), STATUS_SUCCESS);
	uint8_t ri[12] = {0};
	uint32_t d32 = (uint32_t)dir, bytes = 10;
	memcpy(ri + 4, &d32, 4);
	memcpy(ri + 8, &bytes, 4);
	guest_write(p, BUF, ri, 12);
	static const uint16_t name[5] = {'x', '.', 't', 'x', 't'};
	guest_write(p, BUF + 12, name, 10);
	ck_assert_uint_eq(nt_set_information_file(&call, h, IOSB_P, BUF, 22, 10), STATUS_SUCCESS);
	ck_assert(host_exists("x.txt"));
	nt_close(&call, h);
	nt_close(&call, dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("file");
	ADD_TCASE(s, "x64", setup64, teardown, dispositions, read_write_seek_and_query,
		  case_insensitive_names_and_forms, no_escape_from_the_drive, system_image_is_read_only,
		  directory_listing_with_masks, share_modes, deletion, byte_range_locks_and_nt_delete_file,
		  std_handles_device_types, console_on_a_tty, volume_information);
	ADD_TCASE(s, "x86", setup32, teardown, guest_32bit_layouts);
	return run_suite(s);
}
