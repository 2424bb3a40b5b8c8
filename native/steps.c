// The system-call steps of native/launcher.c that stand alone: directories made for the task,
// the task's exec, and the hardening of src/agent/containerizer/task-hardening.ts (read-only
// mounts, capabilities kept, RLIMIT_NPROC). Everything here may run in the launcher's clone,
// which shares its memory: system calls only, nothing that allocates.

#define _GNU_SOURCE
#include "steps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

// mkdir -p, from the deepest missing directory down: usually only the last level or two are
// new, so the existing ancestors cost one failed mkdir, not one each.
static int mkdirs_at(char *path, mode_t mode) {
  if (mkdir(path, mode) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return errno;
  char *slash = strrchr(path, '/');
  if (slash == NULL || slash == path) return ENOENT;
  *slash = '\0';
  int e = mkdirs_at(path, 0755);
  *slash = '/';
  if (e != 0) return e;
  return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : errno;
}

int mkdirs(const char *path, uid_t uid, gid_t gid, int chown_leaf) {
  char buf[4096];
  if (strlen(path) >= sizeof buf) return ENAMETOOLONG;
  strcpy(buf, path);
  // A directory given to the task's user is its alone (0750): another task's user, which
  // is not in its group, cannot read it (issue 18). Its parents stay 0755.
  int e = mkdirs_at(buf, chown_leaf ? 0750 : 0755);
  if (e != 0) return e;
  if (chown_leaf && (chown(path, uid, gid) != 0 || chmod(path, 0750) != 0)) return errno;
  return 0;
}

// execvpe with PATH taken from the task's environment, not the launcher's.
void exec_task(const char *file, char *const argv[], char *const env[]) {
  if (strchr(file, '/') != NULL) {
    execve(file, argv, env);
    return;
  }
  const char *path = "/usr/local/bin:/usr/bin:/bin";
  for (char *const *e = env; *e != NULL; e++)
    if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  int saved = ENOENT;
  char full[4096];
  for (const char *s = path;; s++) {
    const char *colon = strchr(s, ':');
    size_t dirlen = colon ? (size_t)(colon - s) : strlen(s);
    if (snprintf(full, sizeof full, "%.*s/%s", (int)dirlen, dirlen ? s : ".", file) <
        (int)sizeof full) {
      execve(full, argv, env);
      if (errno != ENOENT && errno != ENOTDIR) saved = errno;
    }
    if (colon == NULL) break;
    s = colon;
  }
  errno = saved;
}

// Remounts `path` read-only in this mount namespace only (a bind remount changes this
// namespace's mount, not the file system), keeping its nosuid/nodev/noexec. A path that is
// not a mount point is first bound onto itself, not recursively (a recursive bind made each
// launch ~30 ms slower; task-hardening.ts names no directory with mounts below it). A path that
// does not exist is skipped.
int make_read_only(const char *path) {
  struct statvfs st;
  if (statvfs(path, &st) != 0) return errno == ENOENT ? 0 : errno;
  unsigned long keep = 0;
  if (st.f_flag & ST_NOSUID) keep |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) keep |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | keep;
  if (mount(NULL, path, NULL, flags, NULL) == 0) return 0;
  if (errno != EINVAL) return errno;
  if (mount(path, path, NULL, MS_BIND, NULL) != 0) return errno;
  return mount(NULL, path, NULL, flags, NULL) == 0 ? 0 : errno;
}

// Drops every capability not in `keep` from the bounding set: no later exec (a setuid or
// file-capability binary included) can gain one back. Needs CAP_SETPCAP: before the switch.
int bound_capabilities(unsigned long long keep) {
  for (int cap = 0; cap < 64; cap++) {
    if (keep & (1ULL << cap)) continue;
    int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (in < 0) break;  // past the kernel's last capability
    if (in == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) return errno;
  }
  // No ambient capability survives the exec either.
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  return 0;
}

// For a task that stays root: its permitted and effective sets become `keep` (of what it has)
// and its inheritable set empty, so that its exec (where root's permitted set is its
// inheritable set plus the bounding set) ends with exactly the kept ones.
int restrict_capabilities(unsigned long long keep) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &header, data) != 0) return errno;
  for (int i = 0; i < 2; i++) {
    unsigned int mask = (unsigned int)(keep >> (32 * i));
    data[i].permitted &= mask;
    data[i].effective &= mask;
    data[i].inheritable = 0;
  }
  return syscall(SYS_capset, &header, data) == 0 ? 0 : errno;
}

int limit_processes(long nproc) {
  struct rlimit limit = {(rlim_t)nproc, (rlim_t)nproc};
  return setrlimit(RLIMIT_NPROC, &limit) == 0 ? 0 : errno;
}
