/* The guest's file system: drives backed by host directories, NT path resolution, and file
 * objects (OBJ_FILE).
 *
 * Drive C: is config->root; further letters are config->mounts. C:\windows\system32 and
 * C:\windows\syswow64 are read-only views of config->sysroot's system32/ and syswow64/; when the
 * root has no windows\ directory, C:\windows is the sysroot itself (read-only). A name the
 * root lacks on C: comes from config->fallback at the same place when that has it (the walk
 * then goes on there), and the root's directory listings show the fallback's entries too: the
 * per-run profile folders (C:\users\user\Temp...) live there without a trace in the root.
 *
 * Resolution never leaves a drive: '..' is applied lexically and stops at the drive's root,
 * every component is looked up case-insensitively in its host directory, and the host path of
 * the result must lie inside the drive's directory once symlinks are resolved (realpath): a
 * symlink pointing out of the drive (or dangling) is refused with STATUS_ACCESS_DENIED, and
 * directory listings leave it out.
 *
 * Every drive is also a device: drive X: is \Device\HarddiskVolumeN with N = X - 'C' + 1, and
 * paths under that device name resolve as X:\... . The names file objects and mapped files report
 * (NtQueryObject, MemoryMappedFilenameInformation) are the DOS-device form "\??\C:\dir\file"
 * that Wine's server reports and Wine's kernelbase parses (GetFinalPathNameByHandleW).
 *
 * A file object is a host fd (none for the null device) plus what NT keeps per open:
 * granted access, share mode, position, options, and a per-file node shared by every open of the
 * same host file (share checks, delete-pending, byte-range locks). Standard handles are file objects on dup'd host
 * fds 0/1/2. */
#ifndef NTEMU_KERNEL_VFS_H
#define NTEMU_KERNEL_VFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "kernel/object.h"
#include "kernel/process.h"

/* File access rights (winnt.h). */
enum {
	FILE_READ_DATA = 0x0001,        /* FILE_LIST_DIRECTORY */
	FILE_WRITE_DATA = 0x0002,       /* FILE_ADD_FILE */
	FILE_APPEND_DATA = 0x0004,      /* FILE_ADD_SUBDIRECTORY */
	FILE_READ_EA = 0x0008,
	FILE_WRITE_EA = 0x0010,
	FILE_EXECUTE = 0x0020,          /* FILE_TRAVERSE */
	FILE_DELETE_CHILD = 0x0040,
	FILE_READ_ATTRIBUTES = 0x0080,
	FILE_WRITE_ATTRIBUTES = 0x0100,
};

/* Share modes. */
enum {
	FILE_SHARE_READ = 1,
	FILE_SHARE_WRITE = 2,
	FILE_SHARE_DELETE = 4,
};

/* CreateDisposition values and the IO_STATUS_BLOCK.Information NtCreateFile reports. */
enum {
	FILE_SUPERSEDE = 0,
	FILE_OPEN = 1,
	FILE_CREATE = 2,
	FILE_OPEN_IF = 3,
	FILE_OVERWRITE = 4,
	FILE_OVERWRITE_IF = 5,
};
enum {
	FILE_SUPERSEDED = 0,
	FILE_OPENED = 1,
	FILE_CREATED = 2,
	FILE_OVERWRITTEN = 3,
	FILE_EXISTS = 4,
	FILE_DOES_NOT_EXIST = 5,
};

/* CreateOptions. */
enum {
	FILE_DIRECTORY_FILE = 0x1,
	FILE_WRITE_THROUGH = 0x2,
	FILE_SEQUENTIAL_ONLY = 0x4,
	FILE_NO_INTERMEDIATE_BUFFERING = 0x8,
	FILE_SYNCHRONOUS_IO_ALERT = 0x10,
	FILE_SYNCHRONOUS_IO_NONALERT = 0x20,
	FILE_NON_DIRECTORY_FILE = 0x40,
	FILE_CREATE_TREE_CONNECTION = 0x80,
	FILE_COMPLETE_IF_OPLOCKED = 0x100,
	FILE_NO_EA_KNOWLEDGE = 0x200,
	FILE_OPEN_REMOTE_INSTANCE = 0x400,
	FILE_RANDOM_ACCESS = 0x800,
	FILE_DELETE_ON_CLOSE = 0x1000,
	FILE_OPEN_BY_FILE_ID = 0x2000,
	FILE_OPEN_FOR_BACKUP_INTENT = 0x4000,
	FILE_NO_COMPRESSION = 0x8000,
	FILE_OPEN_REPARSE_POINT = 0x200000,
	FILE_OPEN_NO_RECALL = 0x400000,
	FILE_OPEN_FOR_FREE_SPACE_QUERY = 0x800000,
};

/* FILE_ATTRIBUTE_* (winnt.h). */
enum {
	FILE_ATTRIBUTE_READONLY = 0x1,
	FILE_ATTRIBUTE_HIDDEN = 0x2,
	FILE_ATTRIBUTE_SYSTEM = 0x4,
	FILE_ATTRIBUTE_DIRECTORY = 0x10,
	FILE_ATTRIBUTE_ARCHIVE = 0x20,
	FILE_ATTRIBUTE_NORMAL = 0x80,
};

/* DEVICE_TYPE values FileFsDeviceInformation reports (winioctl.h). */
enum {
	FILE_DEVICE_DISK = 0x07,
	FILE_DEVICE_NAMED_PIPE = 0x11,
	FILE_DEVICE_NULL = 0x15,
	FILE_DEVICE_UNKNOWN = 0x22,
	FILE_DEVICE_CONSOLE = 0x50,
};

enum kfile_kind {
	KFILE_DISK,     /* a file or directory on a drive */
	KFILE_HOST_FD,  /* a standard handle: a dup of one of ntemu's own fds */
	KFILE_NULL,     /* \Device\Null */
};

struct fnode;
struct dir_listing;

struct kfile {
	struct kobject obj;
	struct vfs *vfs;
	enum kfile_kind kind;
	int fd;                  /* -1: none (the null device) */
	bool is_dir;
	bool read_only;          /* on a read-only drive or view */
	char drive;              /* 'C'..'Z' for KFILE_DISK */
	char *host_path;         /* KFILE_DISK: absolute host path */
	char *path;              /* KFILE_DISK: the guest path without drive, "\dir\file.txt" (UTF-8) */
	uint32_t access;         /* granted, generic bits mapped */
	uint32_t sharing;
	uint32_t options;        /* CreateOptions */
	uint64_t pos;            /* current byte offset (synchronous files) */
	uint32_t device_type;    /* FILE_DEVICE_* */
	bool console;            /* a host tty: console requests are answered */
	uint32_t console_mode;   /* IOCTL_CONDRV_GET/SET_MODE */
	bool delete_on_close;
	struct fnode *node;      /* shared per host file; NULL for devices */
	struct dir_listing *listing; /* NtQueryDirectoryFile state */
	/* Bytes FSCTL_PIPE_PEEK took out of a host pipe: the next reads return them first. */
	char *peek;
	size_t peek_len;
};

bool vfs_init(struct kprocess *p);
void vfs_destroy(struct kprocess *p);

/* The OBJ_FILE destroy callback (object_types[] in kernel/object.c): closes the host fd, drops
 * the node, deletes the file when delete-pending and this was the last open. */
void file_destroy(struct kobject *obj);

/* File objects on dup'd host fds 0, 1, 2 and handles for them in p's table (the process
 * parameters' StdInput/StdOutput/StdError). */
ntstatus_t vfs_open_std_handles(struct kprocess *p, handle_t out[3]);

/* The file object behind handle h with a new reference (object_unref when done), checking
 * the handle grants `access`. */
ntstatus_t file_ref_handle(struct kprocess *p, handle_t h, uint32_t access, struct kfile **out);

/* For NtCreateSection on a file handle: the file's host path and its NT path
 * ("\??\C:\windows\system32\ntdll.dll", UTF-8), both malloc'd. The handle must
 * grant `access` (FILE_READ_DATA, plus FILE_WRITE_DATA for writable sections...).
 * STATUS_INVALID_FILE_FOR_SECTION for directories and devices. */
ntstatus_t vfs_file_for_section(struct kprocess *p, handle_t h, uint32_t access, char **host_path,
				char **nt_name);

/* The NT path ("\??\X:\...", malloc'd UTF-8) of a host file inside the system image's
 * system32/syswow64 (as C:\windows\...) or a drive, NULL if it lies in none: what the
 * bootstrap reports for images it maps itself, and the name a program inside the system image
 * runs under. */
char *vfs_nt_path_of_host(const struct kconfig *cfg, const char *host_path);
/* Whether the DOS path "X:\\dir\\..." (UTF-8) names an existing directory, resolved as the guest
 * would resolve it under `cfg`. */
bool vfs_dir_exists(const struct kconfig *cfg, const char *dos_path);
/* "\??\X:" + a guest path without drive (malloc'd). */
char *vfs_nt_path(char drive, const char *path);

/* ---- used by syscalls/file.c ---- */

/* What an NT path names, resolved. */
struct vfs_target {
	/* TARGET_CONSOLE ("CON") is the input or the output by the access asked. */
	enum { TARGET_DISK, TARGET_NULL, TARGET_CONSOLE_IN, TARGET_CONSOLE_OUT, TARGET_CONSOLE } kind;
	char drive;
	char *host_path;   /* where the file is or would be created */
	char *path;        /* guest path without drive, "\dir\name" (UTF-8) */
	bool exists;
	bool read_only;
	bool trailing_slash; /* the name ended in '\': only a directory may match */
};

/* Resolve a name relative to root (a directory handle, 0 for none). A missing last component
 * is not an error (exists = false); a missing parent is STATUS_OBJECT_PATH_NOT_FOUND. */
ntstatus_t vfs_resolve(struct kprocess *p, handle_t root, const uint16_t *name, size_t len,
		       struct vfs_target *out);
void vfs_target_free(struct vfs_target *t);

/* Share-mode check and registration of a new open of node (dev, ino). */
ntstatus_t vfs_node_open(struct vfs *v, uint64_t dev, uint64_t ino, const char *host_path,
			 uint32_t access, uint32_t sharing, struct fnode **out);
bool fnode_delete_pending(const struct fnode *n);
void fnode_set_delete_pending(struct fnode *n, bool pending);
/* Byte-range locks of a file (NtLockFile/NtUnlockFile): a new lock fails with
 * STATUS_LOCK_NOT_GRANTED where it conflicts; an unlock names one exact range
 * (STATUS_RANGE_NOT_LOCKED otherwise). Closing a file object drops its locks. */
ntstatus_t fnode_lock(struct fnode *n, const struct kfile *owner, uint64_t offset, uint64_t length,
		      uint32_t key, bool exclusive);
ntstatus_t fnode_unlock(struct fnode *n, const struct kfile *owner, uint64_t offset, uint64_t length,
			uint32_t key);
void fnode_unlock_all(struct fnode *n, const struct kfile *owner);
/* Whether a read or write of [offset, offset+length) through f hits another's lock. */
bool fnode_io_conflict(const struct fnode *n, const struct kfile *f, uint64_t offset, uint64_t length,
		       bool write);
/* Follow a rename: the node's host path for the final delete. */
ntstatus_t fnode_set_path(struct fnode *n, const char *host_path);

/* A file object on a dup of host fd `host_fd` (device type from what the fd is).
 * STATUS_INVALID_HANDLE if the fd is not open. */
ntstatus_t vfs_make_host_fd_file(struct kprocess *p, int host_fd, uint32_t access,
				 struct kfile **out);

/* A directory's entries for NtQueryDirectoryFile: read once (sorted, "." and ".." first
 * except at a drive's root), then handed out from `next` on. */
struct dir_listing {
	char **names;      /* UTF-8 */
	size_t n, next;
	uint16_t *mask;    /* the mask of the first call (NULL: everything) */
	size_t mask_len;
	bool returned_any;
};
ntstatus_t dir_listing_load(struct kprocess *p, struct kfile *f);
/* stat() of the entry `name` of directory `dir` as a lookup of it would resolve it (system
 * image views, no symlink out of the drive); false if it does not resolve. */
bool vfs_stat_child(struct kprocess *p, const struct kfile *dir, const char *name, struct stat *st);
void dir_listing_free(struct dir_listing *l);

/* Case folding of one UTF-16 unit for name comparisons. */
uint16_t vfs_fold(uint16_t c);

#endif
