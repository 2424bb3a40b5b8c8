// Joining the network namespace the agent's network/cni isolator made for a container
// (src/agent/network/cni-isolator.ts): the namespace is bind-mounted at a file, where the CNI
// plugins configured it before the launch. Mesos's launcher does the same setns before exec.
// Runs in the launcher's clone, which shares its memory: system calls only.
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

int enter_netns(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = setns(fd, CLONE_NEWNET) == 0 ? 0 : errno;
  close(fd);
  return e;
}

int open_network_files(const char *const from[], int fds[], int n, const char **failed) {
  for (int i = 0; i < n; i++) {
    if ((fds[i] = open(from[i], O_PATH | O_CLOEXEC)) < 0) {
      *failed = from[i];
      return errno;
    }
  }
  return 0;
}

// After the hardening's read-only remounts: a bind of /etc onto itself there would hide
// these. The source is the file opened before the mounts, through /proc/self/fd.
int bind_network_files(const int fds[], const char *const to[], int n, const char **failed) {
  char path[64];
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
    int e = mount(path, to[i], NULL, MS_BIND, NULL) == 0 ? 0 : errno;
    close(fds[i]);
    if (e != 0) {
      *failed = to[i];
      return e;
    }
  }
  return 0;
}
