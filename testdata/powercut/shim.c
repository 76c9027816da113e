// powercut: an LD_PRELOAD shim for the power-loss and fsync-failure drills
// (powercut_test.go). It is compiled by the test with
//   gcc -shared -fPIC -O2 -o shim.so shim.c -ldl -lpthread
// and never part of the product.
//
// For the files that the process opens through libc under POWERCUT_DIR (and
// that directory itself), it appends to POWERCUT_LOG, before each change is
// made, what is needed to undo the change:
//
//   'W' write:    the bytes the write overwrites and the file's size before it
//   'T' truncate: the bytes a shrinking ftruncate cuts off, and the old size
//   'S' fsync of a file (by inode): its changes so far are durable
//   'C' creation of a file (open that made it): durable once the directory is synced
//   'U' unlink: the file is kept under a hidden link name until the directory is synced
//   'D' fsync of POWERCUT_DIR itself: creations and unlinks so far are durable
//
// The log is written with write(2) by the process itself, so a SIGKILL
// does not lose it (the kernel keeps it). After the kill, the test reads the
// log and undoes, newest first, every change that was not made durable: the
// files are then what a disk that kept exactly what was synced would show.
// "-shm" files are not tracked: they are SQLite's shared memory (mmap), which
// it rebuilds from the WAL; the test deletes them on a cut.
//
// POWERCUT_CTL names a control file read at most every 2 ms: a line
// containing "eio" makes fsync and fdatasync of tracked files fail with EIO
// (nothing becomes durable), "enospc" makes every write and growing
// ftruncate of tracked files fail with ENOSPC. Anything else: no fault.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAXFD 65536

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int inited;
static char dir[4096];
static size_t dirlen;
static int logfd = -1;
static char ctlpath[4096];
static int fault_eio, fault_enospc;
static struct timespec ctl_checked;
static unsigned long unlinks;

// tracked[fd]: 0 not tracked, 1 a file under dir, 2 dir itself.
static unsigned char tracked[MAXFD];
static char *paths[MAXFD];

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_close)(int);
static int (*real_unlink)(const char *);

static void die(const char *what) {
	char buf[512];
	int n = snprintf(buf, sizeof buf, "powercut shim: %s: %s\n", what, strerror(errno));
	if (n > 0 && real_write) {
		ssize_t r = real_write(2, buf, (size_t)n);
		(void)r;
	}
	abort();
}

static void init(void) {
	if (inited)
		return;
	real_open = dlsym(RTLD_NEXT, "open");
	real_open64 = dlsym(RTLD_NEXT, "open64");
	real_openat = dlsym(RTLD_NEXT, "openat");
	real_openat64 = dlsym(RTLD_NEXT, "openat64");
	real_write = dlsym(RTLD_NEXT, "write");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
	real_writev = dlsym(RTLD_NEXT, "writev");
	real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
	real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_close = dlsym(RTLD_NEXT, "close");
	real_unlink = dlsym(RTLD_NEXT, "unlink");
	const char *d = getenv("POWERCUT_DIR");
	const char *l = getenv("POWERCUT_LOG");
	const char *c = getenv("POWERCUT_CTL");
	if (d && *d && l && *l) {
		snprintf(dir, sizeof dir, "%s", d);
		dirlen = strlen(dir);
		while (dirlen > 1 && dir[dirlen - 1] == '/')
			dir[--dirlen] = 0;
		logfd = real_open(l, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (logfd < 0)
			die("open log");
	}
	if (c && *c)
		snprintf(ctlpath, sizeof ctlpath, "%s", c);
	inited = 1;
}

__attribute__((constructor)) static void ctor(void) {
	pthread_mutex_lock(&mu);
	init();
	pthread_mutex_unlock(&mu);
}

// kind: 1 for a file under dir (not -shm), 2 for dir itself, 0 otherwise.
static int kind(const char *p) {
	if (logfd < 0 || p == NULL || p[0] != '/')
		return 0;
	if (strncmp(p, dir, dirlen) != 0)
		return 0;
	if (p[dirlen] == 0)
		return 2;
	if (p[dirlen] != '/')
		return 0;
	size_t n = strlen(p);
	if (n >= 4 && strcmp(p + n - 4, "-shm") == 0)
		return 0;
	return 1;
}

static void put(const void *b, size_t n) {
	const char *p = b;
	while (n > 0) {
		ssize_t w = real_write(logfd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write log");
		}
		p += w;
		n -= (size_t)w;
	}
}

// rec appends one record: type, path, inode, a, b, payload, in one write
// (a kill may still cut the last record short: the test ignores it, as
// the change it announces was not made).
static void rec(char type, const char *path, uint64_t ino, uint64_t a, uint64_t b, const void *data, uint64_t n) {
	uint32_t pl = path ? (uint32_t)strlen(path) : 0;
	size_t hl = 1 + 4 + pl + 8 * 4;
	char *h = malloc(hl + n);
	if (!h)
		die("malloc");
	size_t o = 0;
	h[o++] = type;
	memcpy(h + o, &pl, 4), o += 4;
	memcpy(h + o, path, pl), o += pl;
	memcpy(h + o, &ino, 8), o += 8;
	memcpy(h + o, &a, 8), o += 8;
	memcpy(h + o, &b, 8), o += 8;
	memcpy(h + o, &n, 8), o += 8;
	if (n)
		memcpy(h + o, data, n);
	put(h, hl + n);
	free(h);
}

static void poll_ctl(void) {
	if (!ctlpath[0])
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - ctl_checked.tv_sec) * 1000 + (now.tv_nsec - ctl_checked.tv_nsec) / 1000000;
	if (ms < 2 && ctl_checked.tv_sec != 0)
		return;
	ctl_checked = now;
	char buf[64] = {0};
	int fd = real_open(ctlpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fault_eio = fault_enospc = 0;
		return;
	}
	ssize_t r = read(fd, buf, sizeof buf - 1);
	real_close(fd);
	if (r < 0)
		r = 0;
	buf[r] = 0;
	fault_eio = strstr(buf, "eio") != NULL;
	fault_enospc = strstr(buf, "enospc") != NULL;
}

static int do_open(int (*fn)(const char *, int, ...), int (*fnat)(int, const char *, int, ...), int dirfd, const char *path,
                   int flags, mode_t mode) {
	pthread_mutex_lock(&mu);
	init();
	int k = kind(path);
	int existed = 1;
	if (k == 1 && (flags & O_CREAT)) {
		struct stat st;
		existed = stat(path, &st) == 0;
	}
	int fd;
	if (fnat)
		fd = fnat(dirfd, path, flags, mode);
	else
		fd = fn(path, flags, mode);
	int e = errno;
	if (fd >= 0 && fd < MAXFD) {
		tracked[fd] = (unsigned char)k;
		free(paths[fd]);
		paths[fd] = k ? strdup(path) : NULL;
		if (k == 1 && !existed) {
			struct stat st;
			if (fstat(fd, &st) != 0)
				die("fstat");
			rec('C', path, (uint64_t)st.st_ino, 0, 0, NULL, 0);
		}
	}
	pthread_mutex_unlock(&mu);
	errno = e;
	return fd;
}

#define OPENMODE(flags, mode)                                                                                          \
	mode_t mode = 0;                                                                                                   \
	if ((flags) & (O_CREAT | O_TMPFILE)) {                                                                             \
		va_list ap;                                                                                                    \
		va_start(ap, flags);                                                                                           \
		mode = va_arg(ap, mode_t);                                                                                     \
		va_end(ap);                                                                                                    \
	}

int open(const char *path, int flags, ...) {
	OPENMODE(flags, mode);
	if (!inited) {
		pthread_mutex_lock(&mu);
		init();
		pthread_mutex_unlock(&mu);
	}
	return do_open(real_open, NULL, 0, path, flags, mode);
}

int open64(const char *path, int flags, ...) {
	OPENMODE(flags, mode);
	if (!inited) {
		pthread_mutex_lock(&mu);
		init();
		pthread_mutex_unlock(&mu);
	}
	return do_open(real_open64, NULL, 0, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
	OPENMODE(flags, mode);
	if (!inited) {
		pthread_mutex_lock(&mu);
		init();
		pthread_mutex_unlock(&mu);
	}
	// Only absolute paths are tracked (SQLite opens absolute paths with open).
	return do_open(NULL, real_openat, dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) {
	OPENMODE(flags, mode);
	if (!inited) {
		pthread_mutex_lock(&mu);
		init();
		pthread_mutex_unlock(&mu);
	}
	return do_open(NULL, real_openat64, dirfd, path, flags, mode);
}

static int is_tracked(int fd) { return fd >= 0 && fd < MAXFD && tracked[fd] == 1; }

// before_write logs the undo of a write of n bytes at off (off < 0: at the
// end, as with O_APPEND, or at the current offset for write). It returns -1
// with errno ENOSPC when the disk-full fault is on.
static int before_write(int fd, size_t n, off_t off, int at_cur) {
	poll_ctl();
	if (fault_enospc) {
		errno = ENOSPC;
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0)
		die("fstat");
	if (at_cur) {
		int fl = fcntl(fd, F_GETFL);
		off = (fl & O_APPEND) ? st.st_size : lseek(fd, 0, SEEK_CUR);
	}
	uint64_t size = (uint64_t)st.st_size;
	uint64_t keep = 0;
	char *old = NULL;
	if ((uint64_t)off < size) {
		keep = size - (uint64_t)off;
		if (keep > n)
			keep = n;
		old = malloc(keep);
		if (!old)
			die("malloc");
		uint64_t got = 0;
		while (got < keep) {
			ssize_t r = pread(fd, old + got, keep - got, off + (off_t)got);
			if (r < 0 && errno == EBADF) {
				// Opened write-only: read through /proc.
				char p[64];
				snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
				int rfd = real_open(p, O_RDONLY | O_CLOEXEC);
				if (rfd < 0)
					die("reopen for reading");
				r = pread(rfd, old + got, keep - got, off + (off_t)got);
				real_close(rfd);
			}
			if (r < 0) {
				if (errno == EINTR)
					continue;
				die("pread old bytes");
			}
			if (r == 0)
				break;
			got += (uint64_t)r;
		}
		keep = got;
	}
	rec('W', paths[fd], (uint64_t)st.st_ino, (uint64_t)off, size, old, keep);
	free(old);
	return 0;
}

ssize_t pwrite64(int fd, const void *b, size_t n, off_t off) {
	if (!is_tracked(fd))
		return real_pwrite64(fd, b, n, off);
	pthread_mutex_lock(&mu);
	ssize_t r = -1;
	if (before_write(fd, n, off, 0) == 0)
		r = real_pwrite64(fd, b, n, off);
	int e = errno;
	pthread_mutex_unlock(&mu);
	errno = e;
	return r;
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t off) {
	if (!is_tracked(fd))
		return real_pwrite(fd, b, n, off);
	pthread_mutex_lock(&mu);
	ssize_t r = -1;
	if (before_write(fd, n, off, 0) == 0)
		r = real_pwrite(fd, b, n, off);
	int e = errno;
	pthread_mutex_unlock(&mu);
	errno = e;
	return r;
}

ssize_t write(int fd, const void *b, size_t n) {
	if (!is_tracked(fd))
		return real_write(fd, b, n);
	pthread_mutex_lock(&mu);
	ssize_t r = -1;
	if (before_write(fd, n, 0, 1) == 0)
		r = real_write(fd, b, n);
	int e = errno;
	pthread_mutex_unlock(&mu);
	errno = e;
	return r;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
	if (!is_tracked(fd))
		return real_writev(fd, iov, cnt);
	size_t n = 0;
	for (int i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	pthread_mutex_lock(&mu);
	ssize_t r = -1;
	if (before_write(fd, n, 0, 1) == 0)
		r = real_writev(fd, iov, cnt);
	int e = errno;
	pthread_mutex_unlock(&mu);
	errno = e;
	return r;
}

static int do_ftruncate(int (*fn)(int, off_t), int fd, off_t len) {
	if (!is_tracked(fd))
		return fn(fd, len);
	pthread_mutex_lock(&mu);
	int r = -1;
	struct stat st;
	if (fstat(fd, &st) != 0)
		die("fstat");
	poll_ctl();
	if (fault_enospc && len > st.st_size) {
		errno = ENOSPC;
	} else {
		uint64_t size = (uint64_t)st.st_size;
		char *old = NULL;
		uint64_t keep = 0;
		if ((uint64_t)len < size) {
			keep = size - (uint64_t)len;
			old = malloc(keep);
			if (!old)
				die("malloc");
			uint64_t got = 0;
			while (got < keep) {
				ssize_t x = pread(fd, old + got, keep - got, len + (off_t)got);
				if (x < 0 && errno == EINTR)
					continue;
				if (x <= 0)
					die("pread truncated bytes");
				got += (uint64_t)x;
			}
		}
		rec('T', paths[fd], (uint64_t)st.st_ino, (uint64_t)len, size, old, keep);
		free(old);
		r = fn(fd, len);
	}
	int e = errno;
	pthread_mutex_unlock(&mu);
	errno = e;
	return r;
}

int ftruncate(int fd, off_t len) { return do_ftruncate(real_ftruncate, fd, len); }
int ftruncate64(int fd, off_t len) { return do_ftruncate(real_ftruncate64, fd, len); }

static int do_sync(int (*fn)(int), int fd) {
	if (fd < 0 || fd >= MAXFD || tracked[fd] == 0)
		return fn(fd);
	pthread_mutex_lock(&mu);
	poll_ctl();
	int r;
	if (fault_eio) {
		errno = EIO;
		r = -1;
	} else {
		r = fn(fd);
		if (r == 0) {
			struct stat st;
			if (fstat(fd, &st) != 0)
				die("fstat");
			rec(tracked[fd] == 2 ? 'D' : 'S', paths[fd], (uint64_t)st.st_ino, 0, 0, NULL, 0);
		}
	}
	int e = errno;
	pthread_mutex_unlock(&mu);
	errno = e;
	return r;
}

int fsync(int fd) { return do_sync(real_fsync, fd); }
int fdatasync(int fd) { return do_sync(real_fdatasync, fd); }

int close(int fd) {
	if (fd >= 0 && fd < MAXFD && tracked[fd]) {
		pthread_mutex_lock(&mu);
		tracked[fd] = 0;
		free(paths[fd]);
		paths[fd] = NULL;
		int r = real_close(fd);
		int e = errno;
		pthread_mutex_unlock(&mu);
		errno = e;
		return r;
	}
	return real_close(fd);
}

// unlink of a tracked file keeps it under a hidden name beside the log
// until the directory is synced: the test restores it if it was not.
int unlink(const char *path) {
	if (!inited) {
		pthread_mutex_lock(&mu);
		init();
		pthread_mutex_unlock(&mu);
	}
	if (kind(path) != 1)
		return real_unlink(path);
	pthread_mutex_lock(&mu);
	struct stat st;
	int r;
	if (stat(path, &st) != 0) {
		r = -1;
	} else {
		char keep[4200];
		snprintf(keep, sizeof keep, "%s/.powercut-unlinked-%d-%lu", dir, (int)getpid(), ++unlinks);
		if (link(path, keep) != 0)
			die("link before unlink");
		rec('U', path, (uint64_t)st.st_ino, 0, 0, keep, strlen(keep));
		r = real_unlink(path);
	}
	int e = errno;
	pthread_mutex_unlock(&mu);
	errno = e;
	return r;
}
