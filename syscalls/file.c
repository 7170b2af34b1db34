/* File services: NtCreateFile, NtOpenFile, NtReadFile, NtWriteFile, NtQuery/SetInformationFile,
 * NtQueryVolumeInformationFile, NtQuery(Full)AttributesFile, NtQueryDirectoryFile, NtDeleteFile,
 * NtLockFile/NtUnlockFile, NtFsControlFile, NtDeviceIoControlFile (console requests),
 * NtFlushBuffersFile, NtCancelIoFile(Ex).
 * Paths and file objects are kernel/vfs.c's; structure layouts follow ntifs.h / winternl.h.
 *
 * All I/O completes synchronously: STATUS_PENDING is never returned.
 * FIXME: the Event and ApcRoutine arguments of the I/O services are not signalled/queued (no
 * event objects yet); callers that rely on them with synchronous completion still see the
 * IO_STATUS_BLOCK.
 *
 * File times come from the host's stat (host data: not driven by the virtual clock). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

#include "kernel/guest.h"
#include "kernel/unicode.h"
#include "kernel/vfs.h"

/* NtQueryInformationFile / NtSetInformationFile classes (FILE_INFORMATION_CLASS). */
enum {
	FileDirectoryInformation = 1,
	FileFullDirectoryInformation = 2,
	FileBothDirectoryInformation = 3,
	FileBasicInformation = 4,
	FileStandardInformation = 5,
	FileInternalInformation = 6,
	FileEaInformation = 7,
	FileAccessInformation = 8,
	FileNameInformation = 9,
	FileRenameInformation = 10,
	FileLinkInformation = 11,
	FileNamesInformation = 12,
	FileDispositionInformation = 13,
	FilePositionInformation = 14,
	FileModeInformation = 16,
	FileAlignmentInformation = 17,
	FileAllInformation = 18,
	FileAllocationInformation = 19,
	FileEndOfFileInformation = 20,
	FileNetworkOpenInformation = 34,
	FileAttributeTagInformation = 35,
	FileIdBothDirectoryInformation = 37,
	FileIdFullDirectoryInformation = 38,
	FileNormalizedNameInformation = 48,
	FileIsRemoteDeviceInformation = 51,
	FileIdInformation = 59,
	FileDispositionInformationEx = 64,
	FileRenameInformationEx = 65,
	FileMaximumInformation = 76,
};

/* FS_INFORMATION_CLASS. */
enum {
	FileFsVolumeInformation = 1,
	FileFsSizeInformation = 3,
	FileFsDeviceInformation = 4,
	FileFsAttributeInformation = 5,
	FileFsFullSizeInformation = 7,
	FileFsMaximumInformation = 14,
};

/* FILE_DISPOSITION_INFORMATION_EX flags. */
enum {
	FILE_DISPOSITION_DELETE = 0x1,
	FILE_DISPOSITION_POSIX_SEMANTICS = 0x2,
	FILE_DISPOSITION_ON_CLOSE = 0x8,
	FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE = 0x10,
};

/* FILE_RENAME_INFORMATION_EX flags. */
enum {
	FILE_RENAME_REPLACE_IF_EXISTS = 0x1,
	FILE_RENAME_POSIX_SEMANTICS = 0x2,
};

/* Characteristics of FILE_FS_DEVICE_INFORMATION. */
enum {
	FILE_DEVICE_IS_MOUNTED = 0x20,
	/* What Windows reports for console handles. */
	FILE_DEVICE_ALLOW_APPCONTAINER_TRAVERSAL = 0x20000,
};

/* FILE_FS_ATTRIBUTE_INFORMATION.FileSystemAttributes. */
enum {
	FILE_CASE_PRESERVED_NAMES = 0x2,
	FILE_UNICODE_ON_DISK = 0x4,
	FILE_PERSISTENT_ACLS = 0x8,
	FILE_READ_ONLY_VOLUME = 0x80000,
};

#define FSCTL_GET_OBJECT_ID 0x9009c
#define FSCTL_PIPE_PEEK 0x11400c
/* FILE_PIPE_PEEK_BUFFER.NamedPipeState */
#define FILE_PIPE_CONNECTED_STATE 3

/* ConDrv requests (Wine's include/wine/condrv.h; GUEST-CONTRACT.md §6). */
enum {
	IOCTL_CONDRV_GET_MODE = 0x504000,
	IOCTL_CONDRV_SET_MODE = 0x508004,
	IOCTL_CONDRV_READ_CONSOLE = 0x504028,
	IOCTL_CONDRV_GET_OUTPUT_INFO = 0x504088,
	IOCTL_CONDRV_READ_FILE = 0x50402c,
	IOCTL_CONDRV_FLUSH = 0x500054,
	IOCTL_CONDRV_WRITE_CONSOLE = 0x508078,
	IOCTL_CONDRV_WRITE_FILE = 0x50807c,
};

/* LARGE_INTEGER offsets meaning "the file pointer" and "the end of the file" (NtWriteFile). */
#define FILE_USE_FILE_POINTER_POSITION 0xfffffffffffffffeull
#define FILE_WRITE_TO_END_OF_FILE 0xffffffffffffffffull

/* Host memory per chunk of a read or write. */
#define IO_CHUNK (1u << 20)

static void put16(uint8_t *b, size_t off, uint16_t v)
{
	memcpy(b + off, &v, 2);
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static void put64(uint8_t *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

static ntstatus_t errno_status(int e)
{
	switch (e) {
	case ENOENT: return STATUS_OBJECT_NAME_NOT_FOUND;
	case ENOTDIR: return STATUS_OBJECT_PATH_NOT_FOUND;
	case EEXIST: return STATUS_OBJECT_NAME_COLLISION;
	case EACCES:
	case EPERM:
	case EROFS: return STATUS_ACCESS_DENIED;
	case ENOSPC:
	case EDQUOT: return STATUS_DISK_FULL;
	case EISDIR: return STATUS_FILE_IS_A_DIRECTORY;
	case ENOTEMPTY: return STATUS_DIRECTORY_NOT_EMPTY;
	case EXDEV: return STATUS_NOT_SAME_DEVICE;
	case ENAMETOOLONG: return STATUS_NAME_TOO_LONG;
	case ENOMEM: return STATUS_NO_MEMORY;
	case EMFILE:
	case ENFILE: return STATUS_INSUFFICIENT_RESOURCES;
	default: return STATUS_UNSUCCESSFUL;
	}
}

/* ---- what a file looks like to NT ---- */

/* Seconds between 1601-01-01 and 1970-01-01. */
#define EPOCH_DIFF 11644473600ull

static uint64_t filetime(struct timespec ts)
{
	return ((uint64_t)ts.tv_sec + EPOCH_DIFF) * 10000000ull + (uint64_t)ts.tv_nsec / 100;
}

struct finfo {
	uint64_t creation, access, write, change;
	uint64_t size, alloc;
	uint32_t attributes;
	uint32_t links;
	uint64_t dev, ino;
	bool dir;
};

static void finfo_from_stat(const struct stat *st, const char *name, bool read_only, struct finfo *i)
{
	memset(i, 0, sizeof *i);
	/* Linux has no portable birth time: the last modification stands in for it (Wine does
	 * the same without statx). */
	i->creation = filetime(st->st_mtim);
	i->access = filetime(st->st_atim);
	i->write = filetime(st->st_mtim);
	i->change = filetime(st->st_ctim);
	i->dir = S_ISDIR(st->st_mode);
	i->size = i->dir ? 0 : (uint64_t)st->st_size;
	i->alloc = i->dir ? 0 : (i->size + 4095) & ~4095ull;
	i->attributes = i->dir ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_ARCHIVE;
	if (!i->dir && (read_only || !(st->st_mode & S_IWUSR)))
		i->attributes |= FILE_ATTRIBUTE_READONLY;
	/* Dot files are hidden, as Wine shows them by default. */
	if (name && name[0] == '.' && strcmp(name, ".") && strcmp(name, ".."))
		i->attributes |= FILE_ATTRIBUTE_HIDDEN;
	i->links = (uint32_t)st->st_nlink;
	i->dev = st->st_dev;
	i->ino = st->st_ino;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '\\');
	return s ? s + 1 : path;
}

static ntstatus_t file_info(struct kfile *f, struct finfo *i)
{
	struct stat st;
	if (f->fd >= 0 ? fstat(f->fd, &st) : stat(f->host_path ? f->host_path : "/dev/null", &st))
		return errno_status(errno);
	finfo_from_stat(&st, f->path ? base_name(f->path) : NULL, f->read_only, i);
	if (f->kind != KFILE_DISK)
		i->attributes = FILE_ATTRIBUTE_NORMAL;
	return STATUS_SUCCESS;
}

/* CreationTime, LastAccessTime, LastWriteTime, ChangeTime: how FILE_BASIC_INFORMATION and
 * FILE_NETWORK_OPEN_INFORMATION both begin. */
static void put_times(uint8_t *b, const struct finfo *i)
{
	put64(b, 0, i->creation);
	put64(b, 8, i->access);
	put64(b, 16, i->write);
	put64(b, 24, i->change);
}

/* FILE_BASIC_INFORMATION (40 bytes). */
static void put_basic(uint8_t *b, const struct finfo *i)
{
	put_times(b, i);
	put32(b, 32, i->attributes);
	put32(b, 36, 0);
}

/* FILE_STANDARD_INFORMATION (24 bytes). */
static void put_standard(uint8_t *b, const struct finfo *i, bool delete_pending)
{
	put64(b, 0, i->alloc);
	put64(b, 8, i->size);
	put32(b, 16, i->links);
	b[20] = delete_pending;
	b[21] = i->dir;
	put16(b, 22, 0);
}

/* FILE_NETWORK_OPEN_INFORMATION (56 bytes). */
static void put_network_open(uint8_t *b, const struct finfo *i)
{
	put_times(b, i);
	put64(b, 32, i->alloc);
	put64(b, 40, i->size);
	put32(b, 48, i->attributes);
	put32(b, 52, 0);
}

/* ---- opening ---- */

static uint32_t write_rights(void)
{
	return FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES | DELETE |
	       FILE_DELETE_CHILD;
}

static ntstatus_t new_kfile(struct kprocess *p, struct vfs_target *t, int fd, bool dir,
			    uint32_t access, uint32_t sharing, uint32_t options, struct kfile **out)
{
	struct kfile *f = object_alloc(OBJ_FILE, sizeof *f);
	if (!f) {
		if (fd >= 0)
			close(fd);
		return STATUS_NO_MEMORY;
	}
	f->vfs = p->vfs;
	f->kind = KFILE_DISK;
	f->fd = fd;
	f->is_dir = dir;
	f->read_only = t->read_only;
	f->drive = t->drive;
	f->host_path = t->host_path;
	f->path = t->path;
	t->host_path = t->path = NULL;
	f->access = access;
	f->sharing = sharing;
	f->options = options;
	f->device_type = FILE_DEVICE_DISK;
	char *full = vfs_nt_path(f->drive, f->path);
	if (full)
		f->obj.name = utf8_to_utf16_dup(full, &f->obj.name_len);
	free(full);
	*out = f;
	return STATUS_SUCCESS;
}

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return true;
	bool empty = true;
	for (struct dirent *e; empty && (e = readdir(d));)
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* The engine of NtCreateFile/NtOpenFile once the name is resolved. *info gets the
 * IO_STATUS_BLOCK.Information value. */
static ntstatus_t open_target(struct kprocess *p, struct vfs_target *t, uint32_t access,
			      uint32_t file_attributes, uint32_t sharing, uint32_t disposition,
			      uint32_t options, struct kfile **out, uint64_t *info)
{
	*info = 0;
	if (t->kind != TARGET_DISK && (access & MAXIMUM_ALLOWED))
		access = object_types[OBJ_FILE].valid_access;
	if (t->kind == TARGET_NULL) {
		struct kfile *f = object_alloc(OBJ_FILE, sizeof *f);
		if (!f)
			return STATUS_NO_MEMORY;
		f->vfs = p->vfs;
		f->kind = KFILE_NULL;
		f->fd = -1;
		f->access = access;
		f->sharing = sharing;
		f->options = options;
		f->device_type = FILE_DEVICE_NULL;
		*out = f;
		*info = FILE_OPENED;
		return STATUS_SUCCESS;
	}
	if (t->kind == TARGET_CONSOLE)
		t->kind = access & (FILE_WRITE_DATA | FILE_APPEND_DATA) ? TARGET_CONSOLE_OUT : TARGET_CONSOLE_IN;
	if (t->kind == TARGET_CONSOLE_IN || t->kind == TARGET_CONSOLE_OUT) {
		ntstatus_t st = vfs_make_host_fd_file(p, t->kind == TARGET_CONSOLE_IN ? 0 : 1, access, out);
		if (st == STATUS_SUCCESS) {
			(*out)->options = options;
			*info = FILE_OPENED;
		}
		return st == STATUS_INVALID_HANDLE ? STATUS_OBJECT_NAME_NOT_FOUND : st;
	}
	if (t->read_only) {
		if (access & MAXIMUM_ALLOWED)
			access &= ~write_rights();
		if ((access & write_rights()) || (options & FILE_DELETE_ON_CLOSE))
			return STATUS_ACCESS_DENIED;
	}
	struct stat st;
	bool exists = t->exists && !stat(t->host_path, &st);
	bool dir = exists && S_ISDIR(st.st_mode);
	if (exists) {
		if (disposition == FILE_CREATE)
			return STATUS_OBJECT_NAME_COLLISION;
		if (dir && (options & FILE_NON_DIRECTORY_FILE))
			return STATUS_FILE_IS_A_DIRECTORY;
		if (!dir && (options & FILE_DIRECTORY_FILE))
			return STATUS_NOT_A_DIRECTORY;
		if (!dir && t->trailing_slash)
			return STATUS_OBJECT_NAME_INVALID;
		bool overwrite = disposition == FILE_SUPERSEDE || disposition == FILE_OVERWRITE ||
				 disposition == FILE_OVERWRITE_IF;
		if (overwrite && dir)
			return STATUS_INVALID_PARAMETER;
		if (overwrite && t->read_only)
			return STATUS_ACCESS_DENIED;
		/* NT refuses write/delete access to a read-only file (FILE_ATTRIBUTE_READONLY). */
		bool ro_file = !dir && !(st.st_mode & S_IWUSR);
		if (ro_file && (overwrite || (access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) ||
				(options & FILE_DELETE_ON_CLOSE)))
			return (options & FILE_DELETE_ON_CLOSE) ? STATUS_CANNOT_DELETE : STATUS_ACCESS_DENIED;
		if (access & MAXIMUM_ALLOWED)
			access = object_types[OBJ_FILE].valid_access & ~(t->read_only || ro_file ? write_rights() : 0);
		*info = disposition == FILE_SUPERSEDE ? FILE_SUPERSEDED
			: overwrite		      ? FILE_OVERWRITTEN
						      : FILE_OPENED;
	} else {
		if (disposition == FILE_OPEN || disposition == FILE_OVERWRITE)
			return STATUS_OBJECT_NAME_NOT_FOUND;
		if (t->trailing_slash && !(options & FILE_DIRECTORY_FILE))
			return STATUS_OBJECT_NAME_INVALID;
		if (t->read_only)
			return STATUS_ACCESS_DENIED;
		if (access & MAXIMUM_ALLOWED)
			access = object_types[OBJ_FILE].valid_access;
		dir = options & FILE_DIRECTORY_FILE;
		mode_t mode = file_attributes & FILE_ATTRIBUTE_READONLY ? 0444 : 0666;
		if (dir) {
			if (mkdir(t->host_path, 0777))
				return errno_status(errno);
		} else {
			/* O_EXCL: never follows a symlink planted under the name. */
			int fd = open(t->host_path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, mode);
			if (fd < 0)
				return errno_status(errno);
			close(fd);
		}
		if (stat(t->host_path, &st))
			return errno_status(errno);
		*info = FILE_CREATED;
	}
	/* The host fd: read-write when the open may write, else read-only (O_PATH when only
	 * attributes are wanted and the host refuses reading). */
	int flags = O_CLOEXEC | (dir ? O_RDONLY | O_DIRECTORY
				: access & (FILE_WRITE_DATA | FILE_APPEND_DATA) ? O_RDWR
										 : O_RDONLY);
	int fd = open(t->host_path, flags);
	if (fd < 0 && errno == EACCES && !(access & (FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_EXECUTE)))
		fd = open(t->host_path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno_status(errno);
	struct fnode *node;
	ntstatus_t s = vfs_node_open(p->vfs, st.st_dev, st.st_ino, t->host_path, access, sharing, &node);
	if (s != STATUS_SUCCESS) {
		close(fd);
		return s;
	}
	if ((*info == FILE_OVERWRITTEN || *info == FILE_SUPERSEDED) && ftruncate(fd, 0))
		s = errno_status(errno);
	struct kfile *f = NULL;
	if (s == STATUS_SUCCESS)
		s = new_kfile(p, t, fd, dir, access, sharing, options, &f);
	else
		close(fd);
	if (s != STATUS_SUCCESS) {
		struct kfile tmp = {.vfs = p->vfs, .fd = -1, .node = node, .access = access, .sharing = sharing};
		file_destroy(&tmp.obj);
		return s;
	}
	f->node = node;
	if (options & FILE_DELETE_ON_CLOSE) {
		if (dir && !dir_is_empty(f->host_path)) {
			object_unref(f);
			return STATUS_DIRECTORY_NOT_EMPTY;
		}
		f->delete_on_close = true;
	}
	*out = f;
	return STATUS_SUCCESS;
}

/* What the OBJECT_ATTRIBUTES at `attr` name. */
static ntstatus_t resolve_attr(struct kprocess *p, gptr_t attr, struct vfs_target *t)
{
	struct objattr oa;
	ntstatus_t st = guest_read_objattr(p, attr, &oa);
	if (st != STATUS_SUCCESS)
		return st;
	st = vfs_resolve(p, oa.root, oa.name.buf, oa.name.len, t);
	objattr_free(&oa);
	return st;
}

static ntstatus_t create_file(struct nt_call *c, gptr_t handle_ptr, uint32_t access, gptr_t attr,
			      gptr_t iosb, uint32_t file_attributes, uint32_t sharing,
			      uint32_t disposition, uint32_t options)
{
	struct kprocess *p = c->proc;
	ntstatus_t st;
	if ((st = guest_write_ptr(p, handle_ptr, 0)) != STATUS_SUCCESS)
		return st;
	if (!attr)
		return STATUS_INVALID_PARAMETER;
	if (disposition > FILE_OVERWRITE_IF || (sharing & ~7u))
		return STATUS_INVALID_PARAMETER;
	if ((options & FILE_DIRECTORY_FILE) && (options & FILE_NON_DIRECTORY_FILE))
		return STATUS_INVALID_PARAMETER;
	if ((options & FILE_DIRECTORY_FILE) && disposition != FILE_CREATE && disposition != FILE_OPEN &&
	    disposition != FILE_OPEN_IF)
		return STATUS_INVALID_PARAMETER;
	if ((options & FILE_SYNCHRONOUS_IO_ALERT) && (options & FILE_SYNCHRONOUS_IO_NONALERT))
		return STATUS_INVALID_PARAMETER;
	if ((options & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT)) &&
	    !(access & (SYNCHRONIZE | MAXIMUM_ALLOWED | GENERIC_ALL)))
		return STATUS_INVALID_PARAMETER;
	if ((options & FILE_DELETE_ON_CLOSE) && !(access & (DELETE | MAXIMUM_ALLOWED | GENERIC_ALL)))
		return STATUS_INVALID_PARAMETER;
	if (options & FILE_OPEN_BY_FILE_ID)
		return STATUS_NOT_SUPPORTED;
	struct objattr oa;
	if ((st = guest_read_objattr(p, attr, &oa)) != STATUS_SUCCESS)
		return st;
	struct vfs_target t;
	st = vfs_resolve(p, oa.root, oa.name.buf, oa.name.len, &t);
	uint32_t handle_attributes = oa.attributes & OBJ_INHERIT;
	objattr_free(&oa);
	uint32_t mapped = object_map_access(OBJ_FILE, access);
	struct kfile *f = NULL;
	uint64_t info = 0;
	if (st == STATUS_SUCCESS) {
		st = open_target(p, &t, mapped, file_attributes, sharing, disposition, options, &f, &info);
		vfs_target_free(&t);
	}
	if (st != STATUS_SUCCESS) {
		/* A failed open still reports its status in the IO_STATUS_BLOCK (Information
		 * untouched), as Wine's NtCreateFile does. */
		if (iosb)
			guest_write(p, iosb, &st, 4);
		return st;
	}
	handle_t h;
	st = handle_alloc(&p->handles, f, f->access & ~MAXIMUM_ALLOWED, handle_attributes, &h);
	object_unref(f);
	if (st != STATUS_SUCCESS)
		return st;
	if ((st = guest_write_ptr(p, handle_ptr, h)) != STATUS_SUCCESS) {
		handle_close(&p->handles, h);
		return st;
	}
	if (iosb)
		guest_write_iosb(p, iosb, STATUS_SUCCESS, info);
	return STATUS_SUCCESS;
}

ntstatus_t nt_create_file(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
			  gptr_t iosb, gptr_t alloc_size, uint32_t file_attributes, uint32_t sharing,
			  uint32_t disposition, uint32_t options, gptr_t ea_buffer, uint32_t ea_length)
{
	/* FIXME: extended attributes and an initial allocation size are not kept. */
	if (ea_buffer && ea_length)
		return STATUS_NOT_SUPPORTED;
	return create_file(c, handle, access, attr, iosb, file_attributes, sharing, disposition, options);
}

ntstatus_t nt_open_file(struct nt_call *c, gptr_t handle, uint32_t access, gptr_t attr,
			gptr_t iosb, uint32_t sharing, uint32_t options)
{
	return create_file(c, handle, access, attr, iosb, 0, sharing, FILE_OPEN, options);
}

/* ---- reading and writing ---- */

/* The file a handle names and the access the handle grants (`granted` may be NULL); unless it
 * grants at least one right of `any` (0: none needed), STATUS_ACCESS_DENIED. */
static ntstatus_t ref_file(struct kprocess *p, handle_t h, uint32_t any, struct kfile **f,
			   uint32_t *granted)
{
	ntstatus_t st = file_ref_handle(p, h, 0, f);
	if (st != STATUS_SUCCESS)
		return st;
	struct handle_entry *e = handle_entry(&p->handles, h);
	uint32_t access = e ? e->access : 0;
	if (any && !(access & any)) {
		object_unref(*f);
		return STATUS_ACCESS_DENIED;
	}
	if (granted)
		*granted = access;
	return STATUS_SUCCESS;
}

/* How an information class of a handle's file starts: a class ntemu serves (`size`, its fixed
 * part, is 0 for one it does not), a buffer that holds it, the file. */
static ntstatus_t ref_file_for_class(struct kprocess *p, handle_t h, uint32_t size, uint32_t length,
				     struct kfile **f, uint32_t *granted)
{
	if (!size)
		return STATUS_INVALID_INFO_CLASS;
	if (length < size)
		return STATUS_INFO_LENGTH_MISMATCH;
	return ref_file(p, h, 0, f, granted);
}

/* Ready to move `length` bytes at `off` of `f`: no other open's byte-range lock in the way, and
 * a host buffer for one chunk (*buf, NULL when length is 0). */
static ntstatus_t io_begin(struct kfile *f, uint64_t off, uint32_t length, bool write, char **buf)
{
	*buf = NULL;
	if (f->node && fnode_io_conflict(f->node, f, off, length, write))
		return STATUS_FILE_LOCK_CONFLICT;
	if (length && !(*buf = malloc(length < IO_CHUNK ? length : IO_CHUNK)))
		return STATUS_NO_MEMORY;
	return STATUS_SUCCESS;
}

/* The end of a request on `f`: the IO_STATUS_BLOCK (when given) gets st and info if the
 * request succeeded or ended in `also`, the one other status the service reports there
 * (STATUS_SUCCESS: none); then the reference goes. */
static ntstatus_t file_done(struct kprocess *p, struct kfile *f, gptr_t iosb, ntstatus_t st,
			    uint64_t info, ntstatus_t also)
{
	if ((st == STATUS_SUCCESS || st == also) && iosb)
		guest_write_iosb(p, iosb, st, info);
	object_unref(f);
	return st;
}

/* An information service's answer, `used` bytes of b, into the guest's buffer: on success, and
 * on STATUS_BUFFER_OVERFLOW (the part that fits). A bad buffer's status replaces st. */
static ntstatus_t put_answer(struct kprocess *p, gptr_t buffer, const void *b, size_t used,
			     ntstatus_t st)
{
	if (st != STATUS_SUCCESS && st != STATUS_BUFFER_OVERFLOW)
		return st;
	ntstatus_t w = guest_write(p, buffer, b, used);
	return w != STATUS_SUCCESS ? w : st;
}

static bool synchronous(const struct kfile *f)
{
	return f->options & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT);
}

/* Where a read or write starts: the explicit offset, or the file position of a synchronous
 * file. *append for FILE_WRITE_TO_END_OF_FILE. */
static ntstatus_t io_offset(struct kprocess *p, struct kfile *f, gptr_t offset_ptr, bool write,
			    uint64_t *off, bool *append)
{
	*append = false;
	uint64_t v = FILE_USE_FILE_POINTER_POSITION;
	ntstatus_t st;
	if (offset_ptr && (st = guest_read(p, offset_ptr, &v, 8)) != STATUS_SUCCESS)
		return st;
	if (write && v == FILE_WRITE_TO_END_OF_FILE) {
		*append = true;
		return STATUS_SUCCESS;
	}
	if (v == FILE_USE_FILE_POINTER_POSITION) {
		if (!synchronous(f))
			return STATUS_INVALID_PARAMETER;
		*off = f->pos;
		return STATUS_SUCCESS;
	}
	if ((int64_t)v < 0)
		return STATUS_INVALID_PARAMETER;
	*off = v;
	return STATUS_SUCCESS;
}

/* A stream (pipe, tty, redirected std handle): the host fd's own position is the file's. */
static bool is_stream(const struct kfile *f)
{
	return f->kind == KFILE_HOST_FD;
}

/* read(2) on a stream, bytes a peek already took out first. */
static ssize_t stream_read(struct kfile *f, char *buf, size_t want)
{
	if (!f->peek_len)
		return read(f->fd, buf, want);
	size_t n = want < f->peek_len ? want : f->peek_len;
	memcpy(buf, f->peek, n);
	memmove(f->peek, f->peek + n, f->peek_len - n);
	f->peek_len -= n;
	return (ssize_t)n;
}

ntstatus_t nt_read_file(struct nt_call *c, handle_t handle, handle_t event, gptr_t apc,
			gptr_t apc_context, gptr_t iosb, gptr_t buffer, uint32_t length,
			gptr_t offset, gptr_t key)
{
	struct kprocess *p = c->proc;
	struct kfile *f;
	ntstatus_t st = ref_file(p, handle, FILE_READ_DATA, &f, NULL);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t off = 0, done = 0;
	bool append;
	if (f->is_dir)
		st = STATUS_INVALID_DEVICE_REQUEST;
	else if (f->kind == KFILE_NULL)
		st = STATUS_END_OF_FILE;
	else if (!is_stream(f))
		st = io_offset(p, f, offset, false, &off, &append);
	char *buf = NULL;
	if (st == STATUS_SUCCESS)
		st = io_begin(f, off, length, false, &buf);
	while (st == STATUS_SUCCESS && done < length) {
		size_t want = length - done < IO_CHUNK ? length - done : IO_CHUNK;
		ssize_t n = is_stream(f) ? stream_read(f, buf, want) : pread(f->fd, buf, want, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			st = errno == EISDIR ? STATUS_INVALID_DEVICE_REQUEST : errno_status(errno);
			break;
		}
		if (n && (st = guest_write(p, buffer + done, buf, (size_t)n)) != STATUS_SUCCESS)
			break;
		done += (uint64_t)n;
		/* A stream returns what it has: never wait for more once something arrived. */
		if (!n || is_stream(f))
			break;
	}
	free(buf);
	if (st == STATUS_SUCCESS && !done && length)
		st = STATUS_END_OF_FILE;
	if (!is_stream(f) && f->kind == KFILE_DISK && (st == STATUS_SUCCESS || st == STATUS_END_OF_FILE) &&
	    synchronous(f))
		f->pos = off + done;
	return file_done(p, f, iosb, st, done, STATUS_END_OF_FILE);
}

static ntstatus_t write_all(int fd, const char *buf, size_t n, bool positioned, uint64_t off)
{
	/* A reader that went away must be STATUS_PIPE_BROKEN for the guest, not SIGPIPE for
	 * ntemu: block it around the write and consume the one the write raised. */
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	size_t done = 0;
	ntstatus_t st = STATUS_SUCCESS;
	while (done < n) {
		ssize_t w = positioned ? pwrite(fd, buf + done, n - done, (off_t)(off + done))
				       : write(fd, buf + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) {
				static const struct timespec now = {0, 0};
				sigtimedwait(&pipe_set, NULL, &now);
				st = STATUS_PIPE_BROKEN;
			} else {
				st = errno_status(errno);
			}
			break;
		}
		done += (size_t)w;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return st;
}

ntstatus_t nt_write_file(struct nt_call *c, handle_t handle, handle_t event, gptr_t apc,
			 gptr_t apc_context, gptr_t iosb, gptr_t buffer, uint32_t length,
			 gptr_t offset, gptr_t key)
{
	struct kprocess *p = c->proc;
	struct kfile *f;
	uint32_t granted;
	ntstatus_t st = ref_file(p, handle, FILE_WRITE_DATA | FILE_APPEND_DATA, &f, &granted);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t off = 0, done = 0;
	bool append = false;
	if (f->is_dir)
		st = STATUS_INVALID_DEVICE_REQUEST;
	else if (f->kind == KFILE_DISK)
		st = io_offset(p, f, offset, true, &off, &append);
	/* A handle with FILE_APPEND_DATA but not FILE_WRITE_DATA only ever appends. */
	if (!(granted & FILE_WRITE_DATA))
		append = true;
	if (st == STATUS_SUCCESS && append && f->kind == KFILE_DISK) {
		struct stat sb;
		if (fstat(f->fd, &sb))
			st = errno_status(errno);
		off = (uint64_t)sb.st_size;
	}
	char *buf = NULL;
	if (st == STATUS_SUCCESS)
		st = io_begin(f, off, length, true, &buf);
	while (st == STATUS_SUCCESS && done < length) {
		size_t n = length - done < IO_CHUNK ? length - done : IO_CHUNK;
		if ((st = guest_read(p, buffer + done, buf, n)) != STATUS_SUCCESS)
			break;
		if (f->kind != KFILE_NULL &&
		    (st = write_all(f->fd, buf, n, f->kind == KFILE_DISK, off + done)) != STATUS_SUCCESS)
			break;
		done += n;
	}
	free(buf);
	if (st == STATUS_SUCCESS && f->kind == KFILE_DISK && synchronous(f))
		f->pos = off + done;
	return file_done(p, f, iosb, st, done, STATUS_SUCCESS);
}

/* ---- information classes ---- */

/* Fixed sizes of the query classes (0: not a query class here). */
static uint32_t query_size(uint32_t cls)
{
	switch (cls) {
	case FileBasicInformation: return 40;
	case FileStandardInformation: return 24;
	case FileInternalInformation: return 8;
	case FileEaInformation: return 4;
	case FileAccessInformation: return 4;
	case FileNameInformation:
	case FileNormalizedNameInformation: return 4;
	case FilePositionInformation: return 8;
	case FileModeInformation: return 4;
	case FileAlignmentInformation: return 4;
	case FileAllInformation: return 104;
	case FileNetworkOpenInformation: return 56;
	case FileAttributeTagInformation: return 8;
	case FileIsRemoteDeviceInformation: return 1;
	case FileIdInformation: return 24;
	default: return 0;
	}
}

/* FILE_NAME_INFORMATION {ULONG FileNameLength; WCHAR FileName[]} at b+off, in a buffer of
 * `size` bytes: as much of the name as fits, STATUS_BUFFER_OVERFLOW if not all of it. */
static ntstatus_t put_name(uint8_t *b, size_t off, size_t size, const char *path, size_t *used)
{
	size_t len;
	uint16_t *w = utf8_to_utf16_dup(path, &len);
	if (!w)
		return STATUS_NO_MEMORY;
	size_t room = size - off - 4, bytes = len * 2;
	size_t copy = bytes <= room ? bytes : room & ~(size_t)1;
	put32(b, off, (uint32_t)bytes);
	memcpy(b + off + 4, w, copy);
	free(w);
	*used = off + 4 + copy;
	return copy < bytes ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

static uint32_t file_mode(const struct kfile *f)
{
	return f->options & (FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY | FILE_NO_INTERMEDIATE_BUFFERING |
			     FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT |
			     FILE_DELETE_ON_CLOSE);
}

ntstatus_t nt_query_information_file(struct nt_call *c, handle_t handle, gptr_t iosb, gptr_t buffer,
				     uint32_t length, uint32_t info_class)
{
	struct kprocess *p = c->proc;
	if (!info_class || info_class >= FileMaximumInformation)
		return STATUS_INVALID_INFO_CLASS;
	/* FIXME: streams, links, ids of other kinds... (size 0) */
	uint32_t size = query_size(info_class);
	struct kfile *f;
	uint32_t granted;
	ntstatus_t st = ref_file_for_class(p, handle, size, length, &f, &granted);
	if (st != STATUS_SUCCESS)
		return st;
	bool named = info_class == FileNameInformation || info_class == FileNormalizedNameInformation ||
		     info_class == FileAllInformation;
	size_t bufsize = size;
	if (named && f->path)
		bufsize = length < 0x10000 ? length : 0x10000;
	uint8_t *b = calloc(1, bufsize);
	struct finfo i;
	size_t used = size;
	if (!b)
		st = STATUS_NO_MEMORY;
	/* No FILE_READ_ATTRIBUTES check: NT grants it through the parent directory, and
	 * kernelbase's MoveFile queries FileBasicInformation on a DELETE-only handle. */
	else if (named && f->kind != KFILE_DISK)
		st = STATUS_INVALID_PARAMETER;
	else
		st = file_info(f, &i);
	bool pending = f->node && fnode_delete_pending(f->node);
	if (st == STATUS_SUCCESS) {
		switch (info_class) {
		case FileBasicInformation: put_basic(b, &i); break;
		case FileStandardInformation: put_standard(b, &i, pending); break;
		case FileInternalInformation: put64(b, 0, i.ino); break;
		case FileEaInformation: put32(b, 0, 0); break;
		case FileAccessInformation: put32(b, 0, granted); break;
		case FileNameInformation:
		case FileNormalizedNameInformation:
			st = put_name(b, 0, bufsize, f->path, &used);
			break;
		case FilePositionInformation: {
			/* A stream's position is its host fd's (0 for pipes and ttys). */
			off_t at = is_stream(f) ? lseek(f->fd, 0, SEEK_CUR) : (off_t)f->pos;
			put64(b, 0, at < 0 ? 0 : (uint64_t)at);
			break;
		}
		case FileModeInformation: put32(b, 0, file_mode(f)); break;
		case FileAlignmentInformation: put32(b, 0, 0); break;
		case FileAllInformation:
			/* FILE_ALL_INFORMATION: Basic 0, Standard 40, Internal 64, Ea 72, Access 76,
			 * Position 80, Mode 88, Alignment 92, Name 96. */
			put_basic(b, &i);
			put_standard(b + 40, &i, pending);
			put64(b, 64, i.ino);
			put32(b, 72, 0);
			put32(b, 76, granted);
			put64(b, 80, f->pos);
			put32(b, 88, file_mode(f));
			put32(b, 92, 0);
			st = put_name(b, 96, bufsize, f->path, &used);
			break;
		case FileNetworkOpenInformation: put_network_open(b, &i); break;
		case FileAttributeTagInformation:
			put32(b, 0, i.attributes);
			put32(b, 4, 0);
			break;
		case FileIsRemoteDeviceInformation: b[0] = 0; break;
		case FileIdInformation:
			/* FILE_ID_INFORMATION {ULONGLONG VolumeSerialNumber; FILE_ID_128 FileId}. */
			put64(b, 0, i.dev);
			put64(b, 8, i.ino);
			put64(b, 16, i.dev);
			break;
		}
	}
	st = put_answer(p, buffer, b, used, st);
	free(b);
	return file_done(p, f, iosb, st, used, STATUS_BUFFER_OVERFLOW);
}

static ntstatus_t set_times(struct kfile *f, const uint8_t *b)
{
	struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};
	/* LastAccessTime at 8, LastWriteTime at 16; 0 and -1 leave a time unchanged. */
	for (int k = 0; k < 2; k++) {
		int64_t v;
		memcpy(&v, b + 8 + 8 * k, 8);
		if (v > 0 && (uint64_t)v >= EPOCH_DIFF * 10000000ull) {
			uint64_t u = (uint64_t)v - EPOCH_DIFF * 10000000ull;
			ts[k].tv_sec = (time_t)(u / 10000000ull);
			ts[k].tv_nsec = (long)(u % 10000000ull) * 100;
		}
	}
	if (f->fd >= 0 && futimens(f->fd, ts))
		return errno_status(errno);
	uint32_t attributes;
	memcpy(&attributes, b + 32, 4);
	if (attributes && !f->is_dir) {
		struct stat st;
		if (fstat(f->fd, &st))
			return errno_status(errno);
		mode_t mode = st.st_mode & 07777;
		mode = attributes & FILE_ATTRIBUTE_READONLY ? mode & ~0222u : mode | S_IWUSR;
		if (fchmod(f->fd, mode))
			return errno_status(errno);
	}
	return STATUS_SUCCESS;
}

static ntstatus_t set_disposition(struct kfile *f, uint32_t flags)
{
	if (!(flags & FILE_DISPOSITION_DELETE)) {
		if (flags & FILE_DISPOSITION_ON_CLOSE)
			f->delete_on_close = false;
		else
			fnode_set_delete_pending(f->node, false);
		return STATUS_SUCCESS;
	}
	struct stat st;
	if (fstat(f->fd, &st))
		return errno_status(errno);
	if (!f->is_dir && !(st.st_mode & S_IWUSR) && !(flags & FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE))
		return STATUS_CANNOT_DELETE;
	if (f->is_dir && !dir_is_empty(f->host_path))
		return STATUS_DIRECTORY_NOT_EMPTY;
	if (flags & FILE_DISPOSITION_ON_CLOSE) {
		f->delete_on_close = true;
		return STATUS_SUCCESS;
	}
	if (flags & FILE_DISPOSITION_POSIX_SEMANTICS) {
		/* The name goes now; the open handles keep the file. */
		if (f->is_dir ? rmdir(f->host_path) : unlink(f->host_path))
			return errno_status(errno);
		return STATUS_SUCCESS;
	}
	fnode_set_delete_pending(f->node, true);
	return STATUS_SUCCESS;
}

/* FILE_RENAME_INFORMATION / FILE_LINK_INFORMATION {BOOLEAN ReplaceIfExists (ULONG Flags in the
 * Ex class); HANDLE RootDirectory; ULONG FileNameLength; WCHAR FileName[]}: rename the file, or
 * give it another name (a hard link). */
static ntstatus_t set_name(struct kprocess *p, struct kfile *f, gptr_t buffer, uint32_t length,
			   bool ex, bool link_only)
{
	unsigned ps = p->ptr_size;
	uint32_t hdr = ps * 2 + 4;
	if (length < hdr)
		return STATUS_INFO_LENGTH_MISMATCH;
	uint8_t raw[20];
	ntstatus_t st = guest_read(p, buffer, raw, hdr);
	if (st != STATUS_SUCCESS)
		return st;
	uint32_t flags = ex ? (uint32_t)raw[0] | (uint32_t)raw[1] << 8 | (uint32_t)raw[2] << 16 | (uint32_t)raw[3] << 24
			    : raw[0] ? FILE_RENAME_REPLACE_IF_EXISTS : 0;
	uint64_t root = 0;
	memcpy(&root, raw + ps, ps);
	if (ps == 4)
		root = (uint64_t)(int64_t)(int32_t)root;
	uint32_t name_len;
	memcpy(&name_len, raw + 2 * ps, 4);
	if ((name_len & 1) || name_len > length - hdr || !name_len || name_len > 0xfffe)
		return STATUS_INVALID_PARAMETER;
	uint16_t *name = malloc(name_len);
	if (!name)
		return STATUS_NO_MEMORY;
	if ((st = guest_read(p, buffer + hdr, name, name_len)) != STATUS_SUCCESS) {
		free(name);
		return st;
	}
	size_t len = name_len / 2, last = len;
	while (last && name[last - 1] != '\\')
		last--;
	/* The last component as given: a rename that only changes case keeps it. */
	char *given = utf16_to_utf8_dup(name + last, len - last);
	struct vfs_target t;
	st = given ? vfs_resolve(p, root, name, len, &t) : STATUS_NO_MEMORY;
	free(name);
	if (st != STATUS_SUCCESS) {
		free(given);
		return st;
	}
	struct stat sb;
	bool same = false;
	if (t.kind != TARGET_DISK || (f->is_dir && link_only))
		st = STATUS_INVALID_PARAMETER;
	else if (t.drive != f->drive)
		st = STATUS_NOT_SAME_DEVICE;
	else if (t.read_only || f->read_only)
		st = STATUS_ACCESS_DENIED;
	else if (t.exists && !stat(t.host_path, &sb)) {
		struct stat self;
		same = !fstat(f->fd, &self) && self.st_dev == sb.st_dev && self.st_ino == sb.st_ino;
		if (same && !link_only) {
			/* Same file under another case: rename to the name as given. */
			char *slash = strrchr(t.host_path, '/');
			char *to = malloc((size_t)(slash - t.host_path) + strlen(given) + 2);
			if (to) {
				sprintf(to, "%.*s/%s", (int)(slash - t.host_path), t.host_path, given);
				free(t.host_path);
				t.host_path = to;
				char *bs = strrchr(t.path, '\\');
				char *gp = malloc((size_t)(bs - t.path) + strlen(given) + 2);
				if (gp)
					sprintf(gp, "%.*s\\%s", (int)(bs - t.path), t.path, given);
				free(t.path);
				t.path = gp;
			}
			if (!to || !t.path)
				st = STATUS_NO_MEMORY;
		} else if (!(flags & FILE_RENAME_REPLACE_IF_EXISTS)) {
			st = STATUS_OBJECT_NAME_COLLISION;
		} else if (S_ISDIR(sb.st_mode)) {
			st = STATUS_ACCESS_DENIED;
		} else if (link_only && !same && unlink(t.host_path)) {
			st = errno_status(errno);
		}
	}
	free(given);
	/* FIXME: replacing a file that is open elsewhere succeeds here; NT refuses it without
	 * POSIX semantics. */
	if (st == STATUS_SUCCESS && link_only) {
		if (!same && link(f->host_path, t.host_path))
			st = errno == EEXIST ? STATUS_OBJECT_NAME_COLLISION : errno_status(errno);
	} else if (st == STATUS_SUCCESS && strcmp(t.host_path, f->host_path)) {
		if (rename(f->host_path, t.host_path))
			st = errno_status(errno);
		else if ((st = fnode_set_path(f->node, t.host_path)) == STATUS_SUCCESS) {
			free(f->host_path);
			free(f->path);
			f->host_path = t.host_path;
			f->path = t.path;
			t.host_path = t.path = NULL;
		}
	}
	vfs_target_free(&t);
	return st;
}

ntstatus_t nt_set_information_file(struct nt_call *c, handle_t handle, gptr_t iosb, gptr_t buffer,
				   uint32_t length, uint32_t info_class)
{
	struct kprocess *p = c->proc;
	static const struct {
		uint32_t cls, size, access;
	} classes[] = {
		{FileBasicInformation, 40, FILE_WRITE_ATTRIBUTES},
		{FileRenameInformation, 0, DELETE},
		{FileLinkInformation, 0, 0},
		{FileDispositionInformation, 1, DELETE},
		{FilePositionInformation, 8, 0},
		{FileAllocationInformation, 8, FILE_WRITE_DATA},
		{FileEndOfFileInformation, 8, FILE_WRITE_DATA},
		{FileDispositionInformationEx, 4, DELETE},
		{FileRenameInformationEx, 0, DELETE},
	};
	if (!info_class || info_class >= FileMaximumInformation)
		return STATUS_INVALID_INFO_CLASS;
	unsigned k = 0;
	while (k < sizeof classes / sizeof *classes && classes[k].cls != info_class)
		k++;
	if (k == sizeof classes / sizeof *classes)
		return STATUS_INVALID_INFO_CLASS; /* FIXME: links, completion, modes... */
	if (length < classes[k].size)
		return STATUS_INFO_LENGTH_MISMATCH;
	struct kfile *f;
	/* Each class needs one right at most. */
	ntstatus_t st = ref_file(p, handle, classes[k].access, &f, NULL);
	if (st != STATUS_SUCCESS)
		return st;
	uint8_t b[40] = {0};
	if (f->kind != KFILE_DISK && info_class != FilePositionInformation)
		st = STATUS_INVALID_PARAMETER;
	else
		st = guest_read(p, buffer, b, classes[k].size);
	uint64_t v;
	memcpy(&v, b, 8);
	if (st == STATUS_SUCCESS) {
		switch (info_class) {
		case FileBasicInformation:
			st = set_times(f, b);
			break;
		case FileRenameInformation:
		case FileRenameInformationEx:
			st = set_name(p, f, buffer, length, info_class == FileRenameInformationEx, false);
			break;
		case FileLinkInformation:
			st = set_name(p, f, buffer, length, false, true);
			break;
		case FileDispositionInformation:
			st = set_disposition(f, b[0] ? FILE_DISPOSITION_DELETE : 0);
			break;
		case FileDispositionInformationEx:
			st = set_disposition(f, (uint32_t)v);
			break;
		case FilePositionInformation:
			if ((int64_t)v < 0)
				st = STATUS_INVALID_PARAMETER;
			else if (f->kind == KFILE_DISK)
				f->pos = v;
			else if (f->fd >= 0 && lseek(f->fd, (off_t)v, SEEK_SET) < 0)
				st = STATUS_INVALID_PARAMETER;
			break;
		case FileAllocationInformation:
		case FileEndOfFileInformation: {
			struct stat sb;
			if ((int64_t)v < 0 || f->is_dir)
				st = STATUS_INVALID_PARAMETER;
			else if (fstat(f->fd, &sb))
				st = errno_status(errno);
			/* A larger allocation does not move the end of the file. */
			else if ((info_class == FileEndOfFileInformation || v < (uint64_t)sb.st_size) &&
				 ftruncate(f->fd, (off_t)v))
				st = errno_status(errno);
			break;
		}
		}
	}
	return file_done(p, f, iosb, st, 0, STATUS_SUCCESS);
}

static ntstatus_t query_attributes(struct nt_call *c, gptr_t attr, gptr_t info, bool full)
{
	struct kprocess *p = c->proc;
	struct vfs_target t;
	ntstatus_t st = resolve_attr(p, attr, &t);
	if (st != STATUS_SUCCESS)
		return st;
	struct stat sb;
	if (t.kind != TARGET_DISK)
		st = STATUS_INVALID_DEVICE_REQUEST; /* FIXME: attributes of devices */
	else if (!t.exists || stat(t.host_path, &sb))
		st = STATUS_OBJECT_NAME_NOT_FOUND;
	else if (t.trailing_slash && !S_ISDIR(sb.st_mode))
		st = STATUS_OBJECT_NAME_INVALID;
	if (st == STATUS_SUCCESS) {
		struct finfo i;
		finfo_from_stat(&sb, base_name(t.path), t.read_only, &i);
		uint8_t b[56];
		if (full)
			put_network_open(b, &i);
		else
			put_basic(b, &i);
		st = guest_write(p, info, b, full ? 56 : 40);
	}
	vfs_target_free(&t);
	return st;
}

ntstatus_t nt_query_attributes_file(struct nt_call *c, gptr_t attr, gptr_t info)
{
	return query_attributes(c, attr, info, false);
}

ntstatus_t nt_query_full_attributes_file(struct nt_call *c, gptr_t attr, gptr_t info)
{
	return query_attributes(c, attr, info, true);
}

/* ---- volumes ---- */

static uint32_t volume_serial(char drive)
{
	/* Fixed per drive: the guest sees the same serial on every run. */
	return 0x4e540000u | (uint32_t)(uint8_t)drive;
}

ntstatus_t nt_query_volume_information_file(struct nt_call *c, handle_t handle, gptr_t iosb,
					    gptr_t buffer, uint32_t length, uint32_t info_class)
{
	struct kprocess *p = c->proc;
	static const uint32_t sizes[] = {
		[FileFsVolumeInformation] = 24, [FileFsSizeInformation] = 24,
		[FileFsDeviceInformation] = 8, [FileFsAttributeInformation] = 16,
		[FileFsFullSizeInformation] = 32,
	};
	if (!info_class || info_class >= FileFsMaximumInformation)
		return STATUS_INVALID_INFO_CLASS;
	uint32_t size = info_class < sizeof sizes / sizeof *sizes ? sizes[info_class] : 0;
	if (!size)
		return STATUS_NOT_SUPPORTED; /* FIXME: label, control, object id, sector size... */
	if (length < size)
		return STATUS_INFO_LENGTH_MISMATCH;
	struct kfile *f;
	ntstatus_t st = ref_file(p, handle, 0, &f, NULL);
	if (st != STATUS_SUCCESS)
		return st;
	uint8_t b[32] = {0};
	uint32_t used = size;
	struct statvfs vs;
	if (info_class == FileFsDeviceInformation) {
		uint32_t chars = f->device_type == FILE_DEVICE_DISK	  ? FILE_DEVICE_IS_MOUNTED
				 : f->device_type == FILE_DEVICE_CONSOLE ? FILE_DEVICE_ALLOW_APPCONTAINER_TRAVERSAL
									 : 0;
		put32(b, 0, f->device_type);
		put32(b, 4, chars);
	} else if (f->kind != KFILE_DISK && !(f->kind == KFILE_HOST_FD && f->device_type == FILE_DEVICE_DISK)) {
		st = STATUS_INVALID_DEVICE_REQUEST;
	} else if (info_class == FileFsVolumeInformation) {
		/* {LARGE_INTEGER VolumeCreationTime; ULONG VolumeSerialNumber; ULONG VolumeLabelLength;
		 * BOOLEAN SupportsObjects; WCHAR VolumeLabel[]}: no label. */
		put32(b, 8, volume_serial(f->drive ? f->drive : 'C'));
		used = 18;
	} else if (info_class == FileFsAttributeInformation) {
		uint32_t attrs = FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK | FILE_PERSISTENT_ACLS;
		if (f->read_only)
			attrs |= FILE_READ_ONLY_VOLUME;
		put32(b, 0, attrs);
		put32(b, 4, 255);
		put32(b, 8, 8);
		static const uint16_t ntfs[4] = {'N', 'T', 'F', 'S'};
		uint32_t room = length - 12 < 8 ? (length - 12) & ~1u : 8;
		memcpy(b + 12, ntfs, room);
		used = 12 + room;
		if (room < 8)
			st = STATUS_BUFFER_OVERFLOW;
	} else if (fstatvfs(f->fd, &vs)) {
		st = errno_status(errno);
	} else {
		uint32_t sector = 512, per_unit = vs.f_frsize >= 512 ? (uint32_t)(vs.f_frsize / 512) : 1;
		if (info_class == FileFsSizeInformation) {
			put64(b, 0, vs.f_blocks);
			put64(b, 8, vs.f_bavail);
			put32(b, 16, per_unit);
			put32(b, 20, sector);
		} else {
			put64(b, 0, vs.f_blocks);
			put64(b, 8, vs.f_bavail);
			put64(b, 16, vs.f_bfree);
			put32(b, 24, per_unit);
			put32(b, 28, sector);
		}
	}
	st = put_answer(p, buffer, b, used, st);
	return file_done(p, f, iosb, st, used, STATUS_BUFFER_OVERFLOW);
}

/* ---- directories ---- */

/* DOS wildcards (ntifs.h): DOS_STAR '<', DOS_QM '>', DOS_DOT '"'. */
static bool mask_match(const uint16_t *m, size_t ml, const uint16_t *s, size_t sl)
{
	while (ml) {
		uint16_t mc = *m;
		if (mc == '*' || mc == '<') {
			/* '<' matches up to the last dot of the name only. */
			size_t limit = sl;
			if (mc == '<') {
				size_t last_dot = sl;
				for (size_t k = 0; k < sl; k++)
					if (s[k] == '.')
						last_dot = k;
				bool more_dots = false;
				for (size_t k = 1; k < ml; k++)
					more_dots |= m[k] == '.' || m[k] == '"';
				if (!more_dots)
					limit = last_dot;
				else
					limit = sl;
			}
			for (size_t k = 0; k <= limit; k++)
				if (mask_match(m + 1, ml - 1, s + k, sl - k))
					return true;
			return false;
		}
		if (mc == '>') {
			/* Any one character, or nothing at a dot or the end. */
			if (!sl || *s == '.')
				return mask_match(m + 1, ml - 1, s, sl);
			m++, ml--, s++, sl--;
			continue;
		}
		if (mc == '"') {
			if (!sl)
				return mask_match(m + 1, ml - 1, s, sl);
			if (*s != '.')
				return false;
			m++, ml--, s++, sl--;
			continue;
		}
		if (!sl)
			return false;
		if (mc != '?' && vfs_fold(mc) != vfs_fold(*s))
			return false;
		m++, ml--, s++, sl--;
	}
	return !sl;
}

static uint32_t dir_entry_fixed(uint32_t cls)
{
	switch (cls) {
	case FileDirectoryInformation: return 64;
	case FileFullDirectoryInformation: return 68;
	case FileBothDirectoryInformation: return 94;
	case FileNamesInformation: return 12;
	case FileIdBothDirectoryInformation: return 104;
	case FileIdFullDirectoryInformation: return 80;
	default: return 0;
	}
}

ntstatus_t nt_query_directory_file(struct nt_call *c, handle_t handle, handle_t event, gptr_t apc,
				   gptr_t apc_context, gptr_t iosb, gptr_t buffer, uint32_t length,
				   uint32_t info_class, uint32_t single_entry, gptr_t mask,
				   uint32_t restart_scan)
{
	struct kprocess *p = c->proc;
	uint32_t fixed = dir_entry_fixed(info_class);
	struct kfile *f;
	uint32_t granted;
	ntstatus_t st = ref_file_for_class(p, handle, fixed, length, &f, &granted);
	if (st != STATUS_SUCCESS)
		return st;
	if (f->kind != KFILE_DISK || !f->is_dir) {
		object_unref(f);
		return STATUS_INVALID_PARAMETER;
	}
	if (!(granted & FILE_READ_DATA)) {
		object_unref(f);
		return STATUS_ACCESS_DENIED;
	}
	if (!f->listing || restart_scan) {
		struct ustr m = {0};
		if (mask && (st = guest_read_ustr(p, mask, &m)) != STATUS_SUCCESS) {
			object_unref(f);
			return st;
		}
		if ((st = dir_listing_load(p, f)) != STATUS_SUCCESS) {
			ustr_free(&m);
			object_unref(f);
			return st;
		}
		f->listing->mask = m.buf;
		f->listing->mask_len = m.len;
	}
	struct dir_listing *l = f->listing;
	/* Host memory per call stays bounded: a larger buffer is filled up to IO_CHUNK. */
	if (length > IO_CHUNK)
		length = IO_CHUNK;
	uint8_t *out = calloc(1, length);
	if (!out) {
		object_unref(f);
		return STATUS_NO_MEMORY;
	}
	size_t pos = 0, last = 0;
	bool any = false;
	st = STATUS_SUCCESS;
	while (l->next < l->n) {
		const char *name = l->names[l->next];
		size_t wl;
		uint16_t *w = utf8_to_utf16_dup(name, &wl);
		if (!w) {
			st = STATUS_NO_MEMORY;
			break;
		}
		if (l->mask && !mask_match(l->mask, l->mask_len, w, wl)) {
			free(w);
			l->next++;
			continue;
		}
		struct stat sb;
		bool ok = vfs_stat_child(p, f, name, &sb);
		if (!ok) {
			/* Vanished, or a symlink that does not resolve inside the drive: not listed. */
			free(w);
			l->next++;
			continue;
		}
		size_t start = (pos + 7) & ~(size_t)7;
		size_t need = fixed + wl * 2;
		if (start + need > length) {
			if (!any) {
				/* Not even one entry fits: as much as fits, the entry stays next. */
				size_t room = length - fixed;
				memset(out, 0, fixed);
				put32(out, fixed == 12 ? 8 : 60, (uint32_t)(wl * 2));
				memcpy(out + fixed, w, room & ~(size_t)1);
				pos = fixed + (room & ~(size_t)1);
				st = STATUS_BUFFER_OVERFLOW;
			}
			free(w);
			break;
		}
		if (any)
			put32(out, last, (uint32_t)(start - last));
		struct finfo i;
		finfo_from_stat(&sb, name, f->read_only, &i);
		uint8_t *e = out + start;
		put32(e, 0, 0);
		put32(e, 4, 0); /* FileIndex: NTFS reports 0 */
		if (info_class == FileNamesInformation) {
			put32(e, 8, (uint32_t)(wl * 2));
		} else {
			put64(e, 8, i.creation);
			put64(e, 16, i.access);
			put64(e, 24, i.write);
			put64(e, 32, i.change);
			put64(e, 40, i.size);
			put64(e, 48, i.alloc);
			put32(e, 56, i.attributes);
			put32(e, 60, (uint32_t)(wl * 2));
			/* EaSize 64, ShortNameLength 68 + ShortName 70..94 (no short names), FileId at 72
			 * (IdFull) or 96 (IdBoth). */
			if (info_class == FileIdFullDirectoryInformation)
				put64(e, 72, i.ino);
			if (info_class == FileIdBothDirectoryInformation)
				put64(e, 96, i.ino);
		}
		memcpy(e + fixed, w, wl * 2);
		free(w);
		last = start;
		pos = start + need;
		any = true;
		l->returned_any = true;
		l->next++;
		if (single_entry)
			break;
	}
	if (st == STATUS_SUCCESS && !any)
		st = l->returned_any ? STATUS_NO_MORE_FILES : STATUS_NO_SUCH_FILE;
	st = put_answer(p, buffer, out, pos, st);
	if (iosb && st != STATUS_ACCESS_VIOLATION)
		guest_write_iosb(p, iosb, st, st == STATUS_SUCCESS || st == STATUS_BUFFER_OVERFLOW ? pos : 0);
	free(out);
	object_unref(f);
	return st;
}

/* ---- control requests ---- */

/* PeekNamedPipe on a host pipe: FILE_PIPE_PEEK_BUFFER {ULONG NamedPipeState, ReadDataAvailable,
 * NumberOfMessages, MessageLength; CHAR Data[]}. The bytes returned are read out of the pipe
 * into the file object's peek buffer, where the next reads find them. */
static ntstatus_t pipe_peek(struct kprocess *p, struct kfile *f, gptr_t out, uint32_t out_size,
			    uint64_t *info)
{
	if (out_size < 16)
		return STATUS_INFO_LENGTH_MISMATCH;
	int avail = 0;
	if (ioctl(f->fd, FIONREAD, &avail) || avail < 0)
		avail = 0;
	if (!avail && !f->peek_len) {
		struct pollfd pfd = {.fd = f->fd, .events = POLLIN};
		/* Nothing buffered and the writer gone. */
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR)))
			return STATUS_PIPE_BROKEN;
	}
	size_t want = out_size - 16;
	if (want > IO_CHUNK)
		want = IO_CHUNK;
	if (want > f->peek_len && avail) {
		size_t more = want - f->peek_len < (size_t)avail ? want - f->peek_len : (size_t)avail;
		char *grown = realloc(f->peek, f->peek_len + more);
		if (!grown)
			return STATUS_NO_MEMORY;
		f->peek = grown;
		ssize_t n;
		do
			n = read(f->fd, f->peek + f->peek_len, more);
		while (n < 0 && errno == EINTR);
		if (n > 0) {
			f->peek_len += (size_t)n;
			avail -= (int)n;
		}
	}
	size_t copy = want < f->peek_len ? want : f->peek_len;
	uint32_t hdr[4] = {FILE_PIPE_CONNECTED_STATE, (uint32_t)(f->peek_len + (size_t)avail), 0, 0};
	ntstatus_t st = guest_write(p, out, hdr, sizeof hdr);
	if (st == STATUS_SUCCESS && copy)
		st = guest_write(p, out + 16, f->peek, copy);
	*info = 16 + copy;
	if (st == STATUS_SUCCESS && copy < f->peek_len + (size_t)avail)
		st = STATUS_BUFFER_OVERFLOW;
	return st;
}

/* NtFsControlFile's requests. */
static ntstatus_t fs_control(struct kprocess *p, struct kfile *f, uint32_t code, gptr_t out,
			     uint32_t out_size, uint64_t *info)
{
	if (code == FSCTL_PIPE_PEEK && f->device_type == FILE_DEVICE_NAMED_PIPE && f->fd >= 0)
		return pipe_peek(p, f, out, out_size, info);
	if (code != FSCTL_GET_OBJECT_ID || f->kind != KFILE_DISK)
		return STATUS_INVALID_DEVICE_REQUEST; /* FIXME: other FSCTLs */
	if (out_size < 64)
		return STATUS_BUFFER_TOO_SMALL;
	struct finfo i;
	ntstatus_t st = file_info(f, &i);
	if (st != STATUS_SUCCESS)
		return st;
	/* FILE_OBJECTID_BUFFER {BYTE ObjectId[16]; BYTE ExtendedInfo[48]}: the host's
	 * (device, inode) pair, unique per file as the loader's module lookup needs
	 * (GUEST-CONTRACT §3 step 8.2). */
	uint8_t b[64] = {0};
	put64(b, 0, i.dev);
	put64(b, 8, i.ino);
	*info = sizeof b;
	return guest_write(p, out, b, sizeof b);
}

/* Console requests on a tty-backed handle (GUEST-CONTRACT §6): modes are remembered, writes go
 * to the fd (UTF-16 converted to UTF-8), reads come from it. GET_MODE succeeds only because
 * WRITE_CONSOLE works: msvcrt then writes through WriteConsoleW. */
static ntstatus_t console_ioctl(struct kprocess *p, struct kfile *f, uint32_t code, gptr_t in,
				uint32_t in_size, gptr_t out, uint32_t out_size, uint64_t *info)
{
	ntstatus_t st;
	switch (code) {
	case IOCTL_CONDRV_GET_MODE:
		if (out_size < 4)
			return STATUS_INVALID_PARAMETER;
		*info = 4;
		return guest_write(p, out, &f->console_mode, 4);
	case IOCTL_CONDRV_SET_MODE:
		if (in_size < 4)
			return STATUS_INVALID_PARAMETER;
		return guest_read(p, in, &f->console_mode, 4);
	case IOCTL_CONDRV_FLUSH:
		return STATUS_SUCCESS;
	case IOCTL_CONDRV_WRITE_CONSOLE:
	case IOCTL_CONDRV_WRITE_FILE: {
		bool wide = code == IOCTL_CONDRV_WRITE_CONSOLE;
		uint16_t *buf = malloc(IO_CHUNK);
		/* UTF-8 takes at most 3 bytes per UTF-16 unit. */
		char *utf8 = wide ? malloc(IO_CHUNK / 2 * 3) : NULL;
		st = buf && (utf8 || !wide) ? STATUS_SUCCESS : STATUS_NO_MEMORY;
		for (uint32_t done = 0; st == STATUS_SUCCESS && done < in_size;) {
			uint32_t n = in_size - done < IO_CHUNK ? in_size - done : IO_CHUNK;
			if ((st = guest_read(p, in + done, buf, n)) != STATUS_SUCCESS)
				break;
			if (wide)
				st = write_all(f->fd, utf8, utf16_to_utf8(buf, n / 2, utf8, IO_CHUNK / 2 * 3), false, 0);
			else
				st = write_all(f->fd, (char *)buf, n, false, 0);
			done += n;
		}
		free(buf);
		free(utf8);
		return st;
	}
	case IOCTL_CONDRV_READ_FILE: {
		uint32_t want = out_size < IO_CHUNK ? out_size : IO_CHUNK;
		char *buf = malloc(want ? want : 1);
		if (!buf)
			return STATUS_NO_MEMORY;
		ssize_t n;
		do
			n = stream_read(f, buf, want);
		while (n < 0 && errno == EINTR);
		st = n < 0 ? errno_status(errno) : guest_write(p, out, buf, (size_t)n);
		*info = n > 0 ? (uint64_t)n : 0;
		free(buf);
		return st;
	}
	case IOCTL_CONDRV_GET_OUTPUT_INFO: {
		/* struct condrv_output_info (Wine's include/wine/condrv.h): 18 shorts, then a
		 * 16-entry COLORREF table. The window is the tty's size; FIXME: the cursor position
		 * is not tracked (reported at 0,0). */
		static const uint32_t colors[16] = {
			0x000000, 0x800000, 0x008000, 0x808000, 0x000080, 0x800080, 0x008080, 0xc0c0c0,
			0x808080, 0xff0000, 0x00ff00, 0xffff00, 0x0000ff, 0xff00ff, 0x00ffff, 0xffffff,
		};
		struct winsize ws;
		int16_t cols = 80, rows = 25;
		if (!ioctl(f->fd, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row && ws.ws_col < 0x8000 &&
		    ws.ws_row < 0x8000)
			cols = (int16_t)ws.ws_col, rows = (int16_t)ws.ws_row;
		const int16_t fields[18] = {
			25, 1,              /* cursor size (percent), visible */
			0, 0,               /* cursor x, y */
			cols, rows,         /* screen buffer */
			0x07, 0xf5,         /* attributes, pop-up attributes */
			0, 0, (int16_t)(cols - 1), (int16_t)(rows - 1), /* window */
			cols, rows,         /* maximum window */
			8, 16, 400, 0,      /* font width, height, weight, pitch and family */
		};
		uint8_t b[100];
		memcpy(b, fields, sizeof fields);
		memcpy(b + sizeof fields, colors, sizeof colors);
		uint32_t n = out_size < sizeof b ? out_size : (uint32_t)sizeof b;
		*info = n;
		return guest_write(p, out, b, n);
	}
	case IOCTL_CONDRV_READ_CONSOLE: {
		/* A cooked console line ends in "\r\n" where the tty gives "\n". One byte of UTF-8
		 * never makes more than one UTF-16 unit, so reading units - 1 bytes leaves room for
		 * the '\r'. FIXME: a UTF-8 sequence split by the read becomes U+FFFD. */
		size_t units = out_size / 2;
		if (!units)
			return STATUS_INVALID_PARAMETER;
		size_t want = units > 1 ? units - 1 : 1;
		if (want > IO_CHUNK / 2)
			want = IO_CHUNK / 2;
		char *buf = malloc(want);
		uint16_t *w = malloc((want + 1) * 2);
		if (!buf || !w) {
			free(buf);
			free(w);
			return STATUS_NO_MEMORY;
		}
		ssize_t n;
		do
			n = stream_read(f, buf, want);
		while (n < 0 && errno == EINTR);
		size_t len = n > 0 ? utf8_to_utf16(buf, (size_t)n, w, want) : 0;
		if (len > want)
			len = want;
		if (len && w[len - 1] == '\n' && (len == 1 || w[len - 2] != '\r') && len < units) {
			w[len - 1] = '\r';
			w[len++] = '\n';
		}
		st = n < 0 ? errno_status(errno) : guest_write(p, out, w, len * 2);
		*info = len * 2;
		free(buf);
		free(w);
		return st;
	}
	default:
		/* FIXME: READ_CONSOLE_CONTROL, SET_OUTPUT_INFO and the other ConDrv requests. */
		return STATUS_NOT_SUPPORTED;
	}
}

/* NtFsControlFile and NtDeviceIoControlFile take the same arguments and answer the same way
 * (STATUS_BUFFER_OVERFLOW, whose data is valid as far as it goes, fills the IO_STATUS_BLOCK
 * too); they differ in the requests they serve. */
static ntstatus_t control_file(struct nt_call *c, bool fsctl, handle_t handle, gptr_t iosb,
			       uint32_t code, gptr_t in, uint32_t in_size, gptr_t out, uint32_t out_size)
{
	struct kprocess *p = c->proc;
	struct kfile *f;
	ntstatus_t st = ref_file(p, handle, 0, &f, NULL);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t info = 0;
	if (fsctl)
		st = fs_control(p, f, code, out, out_size, &info);
	/* Device type 0x50 in the code's high word: a ConDrv request. */
	else if (f->console && (code >> 16) == FILE_DEVICE_CONSOLE)
		st = console_ioctl(p, f, code, in, in_size, out, out_size, &info);
	else if ((code >> 16) == FILE_DEVICE_CONSOLE)
		st = STATUS_NOT_SUPPORTED; /* not a console: kernelbase reports ERROR_INVALID_HANDLE */
	else
		st = STATUS_INVALID_DEVICE_REQUEST; /* FIXME: disk and pipe IOCTLs */
	return file_done(p, f, iosb, st, info, STATUS_BUFFER_OVERFLOW);
}

ntstatus_t nt_fs_control_file(struct nt_call *c, handle_t handle, handle_t event, gptr_t apc,
			      gptr_t apc_context, gptr_t iosb, uint32_t code, gptr_t in_buffer,
			      uint32_t in_size, gptr_t out_buffer, uint32_t out_size)
{
	return control_file(c, true, handle, iosb, code, in_buffer, in_size, out_buffer, out_size);
}

ntstatus_t nt_device_io_control_file(struct nt_call *c, handle_t handle, handle_t event, gptr_t apc,
				     gptr_t apc_context, gptr_t iosb, uint32_t code, gptr_t in_buffer,
				     uint32_t in_size, gptr_t out_buffer, uint32_t out_size)
{
	return control_file(c, false, handle, iosb, code, in_buffer, in_size, out_buffer, out_size);
}

ntstatus_t nt_flush_buffers_file(struct nt_call *c, handle_t handle, gptr_t iosb)
{
	struct kprocess *p = c->proc;
	struct kfile *f;
	ntstatus_t st = ref_file(p, handle, FILE_WRITE_DATA | FILE_APPEND_DATA, &f, NULL);
	if (st != STATUS_SUCCESS)
		return st;
	if (f->kind == KFILE_DISK && !f->is_dir && fsync(f->fd))
		st = errno_status(errno);
	return file_done(p, f, iosb, st, 0, STATUS_SUCCESS);
}

ntstatus_t nt_cancel_io_file_ex(struct nt_call *c, handle_t handle, gptr_t io, gptr_t iosb)
{
	struct kfile *f;
	ntstatus_t st = file_ref_handle(c->proc, handle, 0, &f);
	if (st != STATUS_SUCCESS)
		return st;
	object_unref(f);
	/* Nothing is ever pending, so there is no request to cancel. */
	return STATUS_NOT_FOUND;
}

/* ---- locks ---- */

static ntstatus_t read_range(struct kprocess *p, gptr_t offset_ptr, gptr_t length_ptr,
			     uint64_t *offset, uint64_t *length)
{
	ntstatus_t st = guest_read(p, offset_ptr, offset, 8);
	return st == STATUS_SUCCESS ? guest_read(p, length_ptr, length, 8) : st;
}

ntstatus_t nt_lock_file(struct nt_call *c, handle_t handle, handle_t event, gptr_t apc,
			gptr_t apc_context, gptr_t iosb, gptr_t offset, gptr_t length, uint32_t key,
			uint32_t fail_immediately, uint32_t exclusive)
{
	struct kprocess *p = c->proc;
	struct kfile *f;
	ntstatus_t st = ref_file(p, handle, FILE_READ_DATA | FILE_WRITE_DATA, &f, NULL);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t off, len;
	if (f->kind != KFILE_DISK || f->is_dir)
		st = STATUS_INVALID_PARAMETER;
	else if ((st = read_range(p, offset, length, &off, &len)) == STATUS_SUCCESS) {
		/* FIXME: without fail_immediately NT waits for the conflicting lock to go; ntemu
		 * refuses at once. */
		st = fnode_lock(f->node, f, off, len, key, exclusive);
	}
	return file_done(p, f, iosb, st, 0, STATUS_SUCCESS);
}

ntstatus_t nt_unlock_file(struct nt_call *c, handle_t handle, gptr_t iosb, gptr_t offset,
			  gptr_t length, uint32_t key)
{
	struct kprocess *p = c->proc;
	struct kfile *f;
	ntstatus_t st = ref_file(p, handle, 0, &f, NULL);
	if (st != STATUS_SUCCESS)
		return st;
	uint64_t off, len;
	if (f->kind != KFILE_DISK || f->is_dir)
		st = STATUS_INVALID_PARAMETER;
	else if ((st = read_range(p, offset, length, &off, &len)) == STATUS_SUCCESS)
		st = fnode_unlock(f->node, f, off, len, key);
	return file_done(p, f, iosb, st, 0, STATUS_SUCCESS);
}

/* NtDeleteFile: an open for delete-on-close, closed at once (the file goes when its last
 * other open does). */
ntstatus_t nt_delete_file(struct nt_call *c, gptr_t attr)
{
	struct kprocess *p = c->proc;
	struct vfs_target t;
	ntstatus_t st = resolve_attr(p, attr, &t);
	if (st != STATUS_SUCCESS)
		return st;
	struct kfile *f;
	uint64_t info;
	if (t.kind != TARGET_DISK)
		st = STATUS_INVALID_PARAMETER;
	else
		st = open_target(p, &t, DELETE, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
				 FILE_OPEN, FILE_DELETE_ON_CLOSE, &f, &info);
	vfs_target_free(&t);
	if (st == STATUS_SUCCESS)
		object_unref(f);
	return st;
}

ntstatus_t nt_cancel_io_file(struct nt_call *c, handle_t handle, gptr_t iosb)
{
	struct kprocess *p = c->proc;
	struct kfile *f;
	ntstatus_t st = ref_file(p, handle, 0, &f, NULL);
	if (st != STATUS_SUCCESS)
		return st;
	/* Every request completes before its service returns: nothing is ever pending. */
	return file_done(p, f, iosb, st, 0, STATUS_SUCCESS);
}
