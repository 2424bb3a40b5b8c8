// Entering a container image's root file system the way Mesos's filesystem/linux isolator
// does (containers.md §2 "Entering the rootfs"), in the container's new mount namespace: the
// rootfs bound onto itself; proc with read-only /proc/{sys,irq,bus,fs,sysrq-trigger} and
// /dev/null over kcore, keys, timer_list and sched_debug; read-only sysfs; a tmpfs /dev with
// the standard devices bound from the host's, devpts and shm; the host's
// /etc/{hosts,resolv.conf,hostname} read-only (on a CNI network the generated ones); then pivot_root, chroot and
// a lazy unmount of the old root. The sandbox is already bound at <rootfs>/mnt/mesos/sandbox
// by the request's binds. Runs in the launcher's clone, which shares its memory: only system
// calls and stack buffers here.
#define _GNU_SOURCE
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PATH_BYTES 4096
#define COUNT(a) (sizeof(a) / sizeof *(a))

// `root` + `path` into buf; 0, or -1 with errno ENAMETOOLONG.
static int under(char *buf, const char *root, const char *path) {
  if ((size_t)snprintf(buf, PATH_BYTES, "%s%s", root, path) < PATH_BYTES) return 0;
  errno = ENAMETOOLONG;
  return -1;
}

#define STEP(what, ok)    \
  do {                    \
    if (!(ok)) {          \
      *step = (what);     \
      return errno;       \
    }                     \
  } while (0)

// An empty file (a mount point for a file bind) at `path`. Read-only: opening an image's own
// file for writing would copy it up into the container's overlay upper dir for nothing.
static int touch(const char *path) {
  int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

static int proc_and_sys(const char *root, const char **step) {
  char p[PATH_BYTES];
  static const char *const read_only[] = {"/proc/sys", "/proc/irq", "/proc/bus", "/proc/fs",
                                          "/proc/sysrq-trigger"};
  static const char *const masked[] = {"/proc/kcore", "/proc/keys", "/proc/timer_list",
                                       "/proc/sched_debug"};
  STEP("path too long under", under(p, root, "/proc") == 0);
  mkdir(p, 0555);
  STEP("cannot mount proc in", mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0);
  for (size_t i = 0; i < COUNT(read_only); i++) {
    STEP("path too long under", under(p, root, read_only[i]) == 0);
    if (access(p, F_OK) != 0) continue;
    STEP("cannot make a /proc path read-only in", mount(p, p, NULL, MS_BIND | MS_REC, NULL) == 0);
    STEP("cannot make a /proc path read-only in",
         mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL) == 0);
  }
  for (size_t i = 0; i < COUNT(masked); i++) {
    STEP("path too long under", under(p, root, masked[i]) == 0);
    if (access(p, F_OK) == 0) STEP("cannot mask a /proc file in", mount("/dev/null", p, NULL, MS_BIND, NULL) == 0);
  }
  STEP("path too long under", under(p, root, "/sys") == 0);
  mkdir(p, 0555);
  STEP("cannot mount sysfs in",
       mount("sysfs", p, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0);
  return 0;
}

static int dev(const char *root, const char **step) {
  char p[PATH_BYTES];
  static const char *const devices[] = {"/dev/null",   "/dev/zero",    "/dev/full",
                                        "/dev/random", "/dev/urandom", "/dev/tty"};
  static const char *const links[][2] = {{"/proc/self/fd", "/dev/fd"},
                                         {"/proc/self/fd/0", "/dev/stdin"},
                                         {"/proc/self/fd/1", "/dev/stdout"},
                                         {"/proc/self/fd/2", "/dev/stderr"},
                                         {"pts/ptmx", "/dev/ptmx"}};
  STEP("path too long under", under(p, root, "/dev") == 0);
  mkdir(p, 0755);
  STEP("cannot mount /dev in", mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755") == 0);
  for (size_t i = 0; i < COUNT(devices); i++) {
    STEP("path too long under", under(p, root, devices[i]) == 0);
    STEP("cannot create a device node in", touch(p) == 0);
    STEP("cannot bind a device in", mount(devices[i], p, NULL, MS_BIND, NULL) == 0);
  }
  STEP("path too long under", under(p, root, "/dev/pts") == 0);
  mkdir(p, 0755);
  STEP("cannot mount devpts in",
       mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620") == 0);
  STEP("path too long under", under(p, root, "/dev/shm") == 0);
  mkdir(p, 01777);
  STEP("cannot mount /dev/shm in", mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") == 0);
  for (size_t i = 0; i < COUNT(links); i++) {
    STEP("path too long under", under(p, root, links[i][1]) == 0);
    STEP("cannot link in /dev of", symlink(links[i][0], p) == 0);
  }
  return 0;
}

// The container's /etc/{hosts,resolv.conf,hostname}, read-only: the generated ones (a CNI
// network: `net`, opened before the mounts) where given, else the host's. Bound before the
// pivot: from /proc/self/fd after it, the source's mount would be in the detached old root
// (EINVAL).
static int network_files(const char *root, const struct generated_files *net, const char **step) {
  char p[PATH_BYTES], fd[64];
  static const char *const files[] = {"/etc/hosts", "/etc/resolv.conf", "/etc/hostname"};
  STEP("path too long under", under(p, root, "/etc") == 0);
  mkdir(p, 0755);
  for (size_t i = 0; i < COUNT(files); i++) {
    const char *from = files[i];
    for (int j = 0; net != NULL && j < net->n; j++) {
      if (strcmp(net->to[j], files[i]) != 0) continue;
      snprintf(fd, sizeof fd, "/proc/self/fd/%d", net->fds[j]);
      from = fd;
    }
    if (from == files[i] && access(files[i], F_OK) != 0) continue;
    STEP("path too long under", under(p, root, files[i]) == 0);
    STEP("cannot create an /etc file in", touch(p) == 0);
    STEP("cannot bind the network files in", mount(from, p, NULL, MS_BIND, NULL) == 0);
    STEP("cannot bind the network files in",
         mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) == 0);
  }
  return 0;
}

int enter_rootfs(const char *root, const struct generated_files *net, const char **step) {
  int e;
  STEP("cannot bind the rootfs", mount(root, root, NULL, MS_BIND | MS_REC, NULL) == 0);
  if ((e = proc_and_sys(root, step)) != 0) return e;
  if ((e = dev(root, step)) != 0) return e;
  if ((e = network_files(root, net, step)) != 0) return e;
  STEP("cannot enter", chdir(root) == 0);
  // pivot_root(".", "."): the old root is stacked on the new one at the same place, and
  // detaching "." takes it away, so no put_old directory is made (and removed) in the rootfs.
  STEP("cannot pivot_root into", syscall(SYS_pivot_root, ".", ".") == 0);
  STEP("cannot unmount the old root of", umount2(".", MNT_DETACH) == 0);
  STEP("cannot enter", chdir("/") == 0);
  return 0;
}

int mount_overlay(const char *root, const char *options) {
  return mount("overlay", root, "overlay", 0, options) == 0 ? 0 : errno;
}
