/* The object namespace: directory objects (OBJ_DIRECTORY) holding named objects, and symbolic
 * links (OBJ_SYMLINK) followed while a name is looked up.
 *
 * The standard tree is Wine 8's (server/directory.c) for session 1 (PEB SessionId):
 *   \BaseNamedObjects           Global -> \BaseNamedObjects, Local -> \BaseNamedObjects,
 *                               Session -> \Sessions\BNOLINKS
 *   \Sessions\1\BaseNamedObjects  Global -> \BaseNamedObjects,
 *                               Local -> \Sessions\1\BaseNamedObjects, Session -> \Sessions\BNOLINKS
 *   \Sessions\BNOLINKS\1 -> \Sessions\1\BaseNamedObjects
 *   \KernelObjects, \KnownDlls (empty: Wine 8's ntdll never opens it), \DosDevices -> \??
 *   \??, \GLOBAL??, \Device, \Registry: directories whose contents other modules own (files and
 *   devices: kernel/vfs.c; keys: kernel/registry.c). They can be opened, but a name that goes
 *   through them is not resolved here (see namespace_open). The exceptions: NUL, PIPE and
 *   MAILSLOT in \?? and \GLOBAL?? are links to \Device\Null, NamedPipe, MailSlot (as in Wine),
 *   and "X:" there is a link to \Device\HarddiskVolume<n> (C: is 1) for each drive of the process
 *   (QueryDosDeviceW opens \DosDevices\X: with NtOpenSymbolicLinkObject, and lists \DosDevices
 *   with NtQueryDirectoryObject).
 * kernelbase opens \Sessions\<id>\BaseNamedObjects with NtOpenDirectoryObject and passes that
 * handle as RootDirectory with names such as "name", "Local\name" or "Global\name".
 *
 * The namespace is one per machine, as on NT: every process sees the same tree. It exists while
 * some process does (namespace_init/namespace_destroy count them).
 *
 * Name matching is exact unless OBJ_CASE_INSENSITIVE is in the attributes (Wine's server
 * honours the attribute; kernelbase's CreateEventW/OpenEventW do not pass it).
 *
 * Lifetime: a named object stays in its directory while someone else holds a reference to it.
 * A temporary object (the default) leaves the namespace when only the namespace still refers
 * to it, i.e. after its last handle is closed: it is not found by name any more, and is freed
 * the next time a lookup, insertion or enumeration looks into its directory (FIXME: freeing it
 * at once needs a hook in object_unref). A directory also stays while it has entries.
 * OBJ_PERMANENT at creation keeps an object until NtMakeTemporaryObject. */
#ifndef NTEMU_KERNEL_NAMESPACE_H
#define NTEMU_KERNEL_NAMESPACE_H

#include <stdbool.h>

#include "kernel/guest.h"
#include "kernel/object.h"
#include "kernel/process.h"

/* Directory and symbolic link access rights (ntifs.h). */
enum {
	DIRECTORY_QUERY = 0x1,
	DIRECTORY_TRAVERSE = 0x2,
	DIRECTORY_CREATE_OBJECT = 0x4,
	DIRECTORY_CREATE_SUBDIRECTORY = 0x8,
	SYMBOLIC_LINK_QUERY = 0x1,
};

bool namespace_init(struct kprocess *p);
void namespace_destroy(struct kprocess *p);

/* Give `obj` (a new object of any type, one reference held by the caller) the name in `oa`
 * (oa->name relative to the directory handle oa->root, or absolute when oa->root is 0).
 *   STATUS_SUCCESS: the name is free and obj is now in the namespace (the namespace holds its
 *     own reference; obj->name is the full path NtQueryObject reports). Also STATUS_SUCCESS,
 *     with nothing done, when oa->name is empty: the object stays unnamed.
 *   STATUS_OBJECT_NAME_EXISTS (a success code): the name is taken by an object of obj's type
 *     and `open_if` (normally oa->attributes & OBJ_OPENIF) is set; *existing gets that object
 *     with a new reference. The caller drops obj and hands out a handle to *existing.
 *   STATUS_OBJECT_TYPE_MISMATCH: taken by another type, with open_if.
 *   STATUS_OBJECT_NAME_COLLISION: taken, without open_if.
 *   STATUS_OBJECT_PATH_NOT_FOUND (a directory on the way is missing), STATUS_OBJECT_NAME_INVALID
 *   (empty component), STATUS_OBJECT_PATH_SYNTAX_BAD (absolute name without a leading '\', or
 *   a relative one with it), STATUS_INVALID_HANDLE / STATUS_OBJECT_TYPE_MISMATCH (oa->root is
 *   not a directory handle), STATUS_NO_MEMORY. *existing is set only for NAME_EXISTS.
 * OBJ_PERMANENT in oa->attributes makes the entry permanent. */
ntstatus_t namespace_create(struct kprocess *p, const struct objattr *oa, void *obj, bool open_if,
			    void **existing);

/* The object named by `oa`, with a new reference, checked against `type` (OBJ_ANY accepts
 * every type): STATUS_OBJECT_NAME_NOT_FOUND, STATUS_OBJECT_PATH_NOT_FOUND,
 * STATUS_OBJECT_TYPE_MISMATCH, or the syntax errors above. An empty name with a root handle
 * names the root directory itself. Symbolic links are followed, the last component's too
 * unless oa->attributes has OBJ_OPENLINK or `type` is OBJ_SYMLINK (NtOpenSymbolicLinkObject
 * opens the link itself, as Wine's open_symlink does).
 * A name that goes into \??, \GLOBAL??, \Device or \Registry (directly or through a link such
 * as \DosDevices or \??\C:) belongs to the file or registry code: STATUS_OBJECT_TYPE_MISMATCH
 * here (from namespace_create too), as the object there is never one of the namespace's own
 * types; except a last component in \?? or \GLOBAL?? that is neither a drive nor a device
 * link: STATUS_OBJECT_NAME_NOT_FOUND (QueryDosDeviceW of an unknown name). */
ntstatus_t namespace_open(struct kprocess *p, const struct objattr *oa, enum object_type type,
			  void **out);

/* The usual tail of an NtCreateXxx service once the object is made: name `obj` as `oa` says
 * (namespace_create with OBJ_OPENIF from oa->attributes), open a handle with `access`
 * (MAXIMUM_ALLOWED: every right of the type) and OBJ_INHERIT from oa->attributes, and write it
 * to the guest's HANDLE at handle_ptr. Consumes the caller's reference to obj. Returns
 * STATUS_OBJECT_NAME_EXISTS when the handle is to an existing object of the same name. */
ntstatus_t namespace_create_handle(struct kprocess *p, gptr_t handle_ptr, uint32_t access,
				   const struct objattr *oa, void *obj);
/* The same for NtOpenXxx: namespace_open, then a handle written to handle_ptr. */
ntstatus_t namespace_open_handle(struct kprocess *p, gptr_t handle_ptr, uint32_t access,
				 const struct objattr *oa, enum object_type type);

/* The OBJ_DIRECTORY destroy callback (object_types[] in kernel/object.c): releases the
 * directory's entries. */
void directory_destroy(struct kobject *obj);

/* ---- for syscalls/namespace.c ---- */

/* A new directory object (unnamed; namespace_create names it). */
ntstatus_t namespace_new_directory(struct kobject **out);
/* A new symbolic link to `target` (len UTF-16 units). */
ntstatus_t namespace_new_symlink(const uint16_t *target, size_t len, struct kobject **out);
/* A symbolic link's target. */
const uint16_t *namespace_symlink_target(const struct kobject *link, size_t *len);

/* Entry `index` of a directory in creation order (in \?? and \GLOBAL??, p's drive letters
 * follow): its name and its object's type. false past the end. */
bool namespace_dir_entry(struct kprocess *p, struct kobject *dir, uint32_t index,
			 const uint16_t **name, size_t *len, enum object_type *type);

/* NtMakeTemporaryObject / NtMakePermanentObject: the object's namespace entry (if it has one)
 * becomes temporary or permanent. */
void namespace_set_permanent(struct kobject *obj, bool permanent);

#endif
