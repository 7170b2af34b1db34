/* ntemu: run a Windows program.
 *
 * Exit status: the guest's exit code (its low 8 bits), or one of these for ntemu's own
 * failures, always with one line on stderr:
 *   122  stopped by --strict at an unimplemented system call
 *   123  the system image is missing or not supported
 *   124  the --max-insns budget ran out
 *   125  bad command line
 *   126  the program cannot be run (not a PE program, wrong machine, cannot be mapped)
 *   127  the program file does not exist */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/clock.h"
#include "kernel/drives.h"
#include "kernel/thread.h"
#include "kernel/vfs.h"
#include "loader/bootstrap.h"

#define NTEMU_VERSION "0.1"

enum {
	EXIT_STRICT = 122,
	EXIT_SYSTEM_IMAGE = 123,
	EXIT_BUDGET = 124,
	EXIT_USAGE = 125,
	EXIT_CANNOT_RUN = 126,
	EXIT_NOT_FOUND = 127,
};

static void usage(FILE *out)
{
	fputs("usage: ntemu [options] program.exe [args...]\n"
	      "Run a Windows x86-64 program on the ntemu interpreter and NT kernel emulation.\n\n"
	      "  --root DIR           host directory that is the guest's C: drive (default: .)\n"
	      "  --mount X:=DIR[:ro]  add drive X: for host directory DIR (read-only with :ro)\n"
	      "  --sysroot DIR        system image (system32/, syswow64/, nls/); default:\n"
	      "                       $NTEMU_SYSROOT, else sysroot/ beside the ntemu binary\n"
	      "  --env NAME=VALUE     add or replace a guest environment variable\n"
	      "  --trace=syscall      log every system call to stderr (or --trace-file)\n"
	      "  --trace-file FILE    write the trace to FILE\n"
	      "  --max-insns N        stop after N guest instructions (exit 124)\n"
	      "  --strict             an unimplemented system call stops the program (exit 122)\n"
	      "  --quiet              do not report unimplemented system calls\n"
	      "  --realtime           guest clocks follow the host clock (default: virtual time\n"
	      "                       from retired instructions, the same on every run)\n"
	      "  --verbose            report the full 32-bit exit status and run statistics\n"
	      "  --help, --version\n\n"
	      "Exit status: the program's exit code (low 8 bits); ntemu's own failures:\n"
	      "  122 --strict stop, 123 system image missing or unsupported, 124 --max-insns\n"
	      "  reached, 125 bad command line, 126 program cannot be run, 127 program not found.\n",
	      out);
}

static _Noreturn void die(int code, const char *fmt, const char *arg)
{
	fputs("ntemu: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(code);
}

/* The guest environment: a clean Windows-like default plus --env; host variables never leak in. */
static const char *const default_env[] = {
	"ALLUSERSPROFILE=C:\\ProgramData",
	"APPDATA=C:\\users\\user\\AppData\\Roaming",
	"COMPUTERNAME=NTEMU",
	"ComSpec=C:\\windows\\system32\\cmd.exe",
	"HOMEDRIVE=C:",
	"HOMEPATH=\\users\\user",
	"LOCALAPPDATA=C:\\users\\user\\AppData\\Local",
	"NUMBER_OF_PROCESSORS=1",
	"OS=Windows_NT",
	"PATH=C:\\windows\\system32;C:\\windows;C:\\windows\\system32\\wbem",
	"PATHEXT=.COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
	"PROCESSOR_ARCHITECTURE=AMD64",
	"ProgramData=C:\\ProgramData",
	"ProgramFiles=C:\\Program Files",
	"ProgramW6432=C:\\Program Files",
	"PUBLIC=C:\\users\\Public",
	"SystemDrive=C:",
	"SystemRoot=C:\\windows",
	"TEMP=C:\\users\\user\\Temp",
	"TMP=C:\\users\\user\\Temp",
	"USERDOMAIN=NTEMU",
	"USERNAME=user",
	"USERPROFILE=C:\\users\\user",
	"windir=C:\\windows",
	/* Wine's GetUserNameW reads the user name from here (its unix side sets it). */
	"WINEUSERNAME=user",
};

struct env {
	const char **v;
	size_t n;
};

static size_t name_len(const char *var)
{
	const char *eq = strchr(var + 1, '='); /* "=C:=C:\\" style names start with '=' */
	return eq ? (size_t)(eq - var) : strlen(var);
}

static void env_set(struct env *e, const char *var)
{
	size_t n = name_len(var);
	for (size_t i = 0; i < e->n; i++) {
		if (name_len(e->v[i]) == n && !strncasecmp(e->v[i], var, n)) {
			e->v[i] = var;
			return;
		}
	}
	e->v = realloc(e->v, (e->n + 1) * sizeof *e->v);
	if (!e->v)
		die(EXIT_USAGE, "%s", "out of memory");
	e->v[e->n++] = var;
}

/* Windows keeps the block sorted by name, case-insensitively. */
static int env_cmp(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *env_get(const struct env *e, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < e->n; i++)
		if (name_len(e->v[i]) == n && !strncasecmp(e->v[i], name, n))
			return e->v[i] + n + 1;
	return NULL;
}

/* Variables naming folders programs expect to exist, as they do in a Wine prefix. */
static const char *const folder_vars[] = {
	"ALLUSERSPROFILE", "APPDATA", "LOCALAPPDATA", "ProgramData", "ProgramFiles", "ProgramW6432",
	"PUBLIC", "TEMP", "TMP", "USERPROFILE",
};

/* The per-run directory behind the folders the root lacks, removed at exit. */
static char *fallback_dir;
static struct kprocess *running;

static void remove_fallback(void)
{
	if (fallback_dir)
		drive_fallback_remove(fallback_dir);
}

/* SIGINT and the like end the run at the end of the current turn, so that the per-run
 * directory goes too; a second one kills at once (SA_RESETHAND). */
static void on_signal(int sig)
{
	if (running)
		running->stop_signal = sig;
}

static char *absolute(const char *path)
{
	char *r = realpath(path, NULL);
	return r;
}

static void add_mount(struct kconfig *cfg, char letter, const char *dir, bool ro)
{
	if (cfg->nmounts >= sizeof cfg->mounts / sizeof *cfg->mounts)
		die(EXIT_USAGE, "%s", "too many drives");
	cfg->mounts[cfg->nmounts++] = (struct kmount){letter, dir, ro};
}

/* --mount X:=DIR[:ro] */
static void parse_mount(struct kconfig *cfg, const char *arg)
{
	char letter = arg[0] >= 'a' && arg[0] <= 'z' ? (char)(arg[0] - 32) : arg[0];
	if (letter < 'D' || letter > 'Z' || strncmp(arg + 1, ":=", 2) || !arg[3])
		die(EXIT_USAGE, "--mount %s: expected X:=DIR[:ro] with X from D to Z", arg);
	char *dir = strdup(arg + 3);
	bool ro = false;
	size_t n = strlen(dir);
	if (n > 3 && !strcmp(dir + n - 3, ":ro")) {
		dir[n - 3] = 0;
		ro = true;
	}
	char *abs = absolute(dir);
	if (!abs)
		die(EXIT_USAGE, "--mount: %s: no such directory", dir);
	if (drive_dir(cfg, letter, NULL))
		die(EXIT_USAGE, "--mount %s: drive already mounted", arg);
	add_mount(cfg, letter, abs, ro);
	free(dir);
}

static char *default_sysroot(const char *argv0)
{
	const char *env = getenv("NTEMU_SYSROOT");
	if (env && *env)
		return strdup(env);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		strncpy(self, argv0, sizeof self - 1);
		n = (ssize_t)strlen(self);
	}
	self[n] = 0;
	char *dir = dirname(self);
	size_t size = strlen(dir) + sizeof "/sysroot";
	char *path = malloc(size);
	snprintf(path, size, "%s/sysroot", dir);
	return path;
}

static void print_unimplemented(FILE *out, struct kprocess *p)
{
	bool any = false;
	for (int tbl = 0; tbl < DISPATCH_TABLES; tbl++)
		for (int i = 0; i < DISPATCH_TABLE_SIZE; i++)
			if (p->syscalls.entry[tbl][i].reported) {
				fprintf(out, "%s %s", any ? "," : "ntemu: unimplemented system calls met:",
					p->syscalls.entry[tbl][i].name);
				any = true;
			}
	fputs(any ? "\n" : "ntemu: no unimplemented system call met\n", out);
}

int main(int argc, char **argv)
{
	static struct kconfig cfg;
	struct env env = {0};
	const char *root = ".", *sysroot = NULL, *trace_file = NULL;
	bool trace = false, strict = false, quiet = false, verbose = false;
	uint64_t max_insns = 0;
	for (size_t i = 0; i < sizeof default_env / sizeof *default_env; i++)
		env_set(&env, default_env[i]);

	enum { O_ROOT = 256, O_MOUNT, O_SYSROOT, O_ENV, O_TRACE, O_TRACE_FILE, O_MAX_INSNS, O_STRICT,
	       O_QUIET, O_REALTIME, O_VERBOSE, O_HELP, O_VERSION };
	static const struct option options[] = {
		{"root", required_argument, 0, O_ROOT},
		{"mount", required_argument, 0, O_MOUNT},
		{"sysroot", required_argument, 0, O_SYSROOT},
		{"env", required_argument, 0, O_ENV},
		{"trace", required_argument, 0, O_TRACE},
		{"trace-file", required_argument, 0, O_TRACE_FILE},
		{"max-insns", required_argument, 0, O_MAX_INSNS},
		{"strict", no_argument, 0, O_STRICT},
		{"quiet", no_argument, 0, O_QUIET},
		{"realtime", no_argument, 0, O_REALTIME},
		{"verbose", no_argument, 0, O_VERBOSE},
		{"help", no_argument, 0, O_HELP},
		{"version", no_argument, 0, O_VERSION},
		{0, 0, 0, 0},
	};
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		switch (opt) {
		case O_ROOT: root = optarg; break;
		case O_MOUNT: parse_mount(&cfg, optarg); break;
		case O_SYSROOT: sysroot = optarg; break;
		case O_ENV:
			if (!strchr(optarg + 1, '='))
				die(EXIT_USAGE, "--env %s: expected NAME=VALUE", optarg);
			env_set(&env, optarg);
			break;
		case O_TRACE:
			if (strcmp(optarg, "syscall"))
				die(EXIT_USAGE, "--trace=%s: only 'syscall' is available", optarg);
			trace = true;
			break;
		case O_TRACE_FILE: trace_file = optarg; break;
		case O_MAX_INSNS: {
			char *end;
			errno = 0;
			max_insns = strtoull(optarg, &end, 0);
			if (errno || *end || !max_insns)
				die(EXIT_USAGE, "--max-insns %s: expected a positive number", optarg);
			break;
		}
		case O_STRICT: strict = true; break;
		case O_QUIET: quiet = true; break;
		case O_REALTIME: cfg.realtime = true; break;
		case O_VERBOSE: verbose = true; break;
		case O_HELP: usage(stdout); return 0;
		case O_VERSION: printf("ntemu %s\n", NTEMU_VERSION); return 0;
		default:
			fprintf(stderr, "ntemu: unknown option %s (see --help)\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	char *sysroot_given = sysroot ? strdup(sysroot) : default_sysroot(argv[0]);
	char probe[4096];
	snprintf(probe, sizeof probe, "%s/system32/ntdll.dll", sysroot_given);
	char *sysroot_path = absolute(sysroot_given);
	if (!sysroot_path || access(probe, R_OK))
		die(EXIT_SYSTEM_IMAGE, "no system image at %s (run `make sysroot`, or use --sysroot)",
		    sysroot_given);
	free(sysroot_given);
	cfg.sysroot = sysroot_path;

	/* Drives: C: is the root; a program outside every drive brings its folder as the next
	 * free letter, read-only, so the DLLs beside it load too. */
	char *root_abs = absolute(root);
	if (!root_abs)
		die(EXIT_USAGE, "--root %s: no such directory", root);
	cfg.root = root_abs;
	const char *program = argv[optind];
	char *program_abs = absolute(program);
	if (!program_abs)
		die(EXIT_NOT_FOUND, "%s: no such file", program);
	struct stat st;
	if (stat(program_abs, &st) || !S_ISREG(st.st_mode))
		die(EXIT_CANNOT_RUN, "%s: not a regular file", program);
	char program_dos[4096];
	/* A program of the system image runs as C:\windows\system32\NAME, as on Windows. */
	char *nt_name = vfs_nt_path_of_host(&cfg, program_abs);
	if (nt_name && !strncmp(nt_name, "\\??\\", 4) && strlen(nt_name + 4) < sizeof program_dos) {
		strcpy(program_dos, nt_name + 4);
	} else if (!drive_dos_path(&cfg, program_abs, program_dos, sizeof program_dos)) {
		char letter = drive_free_letter(&cfg);
		if (!letter)
			die(EXIT_USAGE, "%s", "no drive letter left for the program's folder");
		char *copy = strdup(program_abs);
		add_mount(&cfg, letter, strdup(dirname(copy)), true);
		free(copy);
		drive_dos_path(&cfg, program_abs, program_dos, sizeof program_dos);
	}
	free(nt_name);
	/* Folders the environment names that the root lacks come from a private directory for
	 * this run: nothing is created in the root, the guest's paths are the same on every run,
	 * and what the program leaves there is gone afterwards. */
	const char *missing[sizeof folder_vars / sizeof *folder_vars];
	size_t nmissing = 0;
	for (size_t i = 0; i < sizeof folder_vars / sizeof *folder_vars; i++) {
		const char *v = env_get(&env, folder_vars[i]);
		bool seen = false;
		for (size_t k = 0; v && k < nmissing && !seen; k++)
			seen = !strcasecmp(missing[k], v);
		if (v && !seen && !vfs_dir_exists(&cfg, v))
			missing[nmissing++] = v;
	}
	if (nmissing && !(fallback_dir = drive_fallback_create(missing, nmissing))) {
		/* Programs that never touch those folders still run. */
		fprintf(stderr, "ntemu: warning: cannot create a directory for the folders the root lacks "
				"(%s): they do not exist\n", strerror(errno));
	} else if (nmissing) {
		atexit(remove_fallback);
		cfg.fallback = fallback_dir;
		if (verbose) {
			fprintf(stderr, "ntemu: folders the root lacks are in %s for this run:", fallback_dir);
			for (size_t i = 0; i < nmissing; i++)
				fprintf(stderr, "%s %s", i ? "," : "", missing[i]);
			fputc('\n', stderr);
		}
	}
	char cwd_host[PATH_MAX], cwd_dos[4096] = "C:\\";
	if (getcwd(cwd_host, sizeof cwd_host) && drive_dos_path(&cfg, cwd_host, cwd_dos, sizeof cwd_dos - 1)) {
		size_t n = strlen(cwd_dos);
		if (cwd_dos[n - 1] != '\\')
			strcpy(cwd_dos + n, "\\");
	}

	struct kprocess *p = kprocess_create(&cfg, 8);
	if (!p)
		die(EXIT_CANNOT_RUN, "%s", "out of memory");
	FILE *trace_out = NULL;
	if (trace) {
		trace_out = trace_file ? fopen(trace_file, "w") : stderr;
		if (!trace_out)
			die(EXIT_USAGE, "--trace-file %s: cannot create", trace_file);
	}
	p->trace_out = trace_out;
	p->log.out = quiet ? NULL : stderr;
	p->log.strict = strict;
	p->max_insns = max_insns;

	qsort(env.v, env.n, sizeof *env.v, env_cmp);
	struct boot_spec spec = {
		.exe_host_path = program_abs,
		.exe_nt_path = program_dos,
		.cwd = cwd_dos,
		.argv = (const char *const *)argv + optind + 1,
		.argc = (size_t)(argc - optind - 1),
		.env = env.v,
		.nenv = env.n,
	};
	/* The guest's standard handles are file objects on dups of ntemu's own fds 0-2. */
	if (vfs_open_std_handles(p, spec.std_handles) != STATUS_SUCCESS)
		die(EXIT_CANNOT_RUN, "%s", "cannot create the standard handles");
	char err[512];
	enum boot_error be = bootstrap_process(p, &spec, err, sizeof err);
	if (be != BOOT_OK) {
		fprintf(stderr, "ntemu: %s\n", err);
		return be == BOOT_BAD_SYSTEM_IMAGE ? EXIT_SYSTEM_IMAGE : EXIT_CANNOT_RUN;
	}

	running = p;
	/* (A guest's write to a closed pipe raises no SIGPIPE: it is STATUS_PIPE_BROKEN.) */
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = (int)SA_RESETHAND};
	sigemptyset(&sa.sa_mask);
	static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++)
		sigaction(stop_signals[i], &sa, NULL);
	uint32_t status = kernel_run(p);
	if (p->stop_signal) {
		/* Die of the signal, as without ntemu's handler, once the run's directory is gone. */
		int sig = p->stop_signal;
		running = NULL;
		kprocess_destroy(p);
		remove_fallback();
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	int code = status & 0xff;
	if (p->fatal) {
		fprintf(stderr, "ntemu: stopped: %s\n", p->fatal);
		code = p->max_insns && clock_instructions(p) >= p->max_insns ? EXIT_BUDGET : EXIT_STRICT;
	} else if (p->last_exception.valid && status == p->last_exception.code) {
		char where[256];
		process_describe_address(p, p->last_exception.address, where, sizeof where);
		fprintf(stderr, "ntemu: the program died of an unhandled exception 0x%08" PRIx32 " (%s) at %s\n",
			status, ntstatus_name(status) ? ntstatus_name(status) : "?", where);
	}
	if (trace)
		print_unimplemented(trace_out, p);
	if (verbose) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "ntemu: exit status 0x%08" PRIx32 ", %" PRIu64 " instructions, peak memory %ld KiB\n",
			status, clock_instructions(p), ru.ru_maxrss);
	}
	if (trace_out && trace_out != stderr)
		fclose(trace_out);
	kprocess_destroy(p);
	free(sysroot_path);
	free(program_abs);
	free(root_abs);
	free(env.v);
	return code;
}
