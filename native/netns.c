// Joining the network namespace the agent's network/cni isolator made for a container
// (src/agent/network/cni-isolator.ts): the namespace is bind-mounted at a file, where the CNI
// plugins configured it before the launch. Mesos's launcher does the same setns before exec.
// Runs in the launcher's clone, which shares its memory: system calls only.
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

int enter_netns(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = setns(fd, CLONE_NEWNET) == 0 ? 0 : errno;
  close(fd);
  return e;
}

// After the hardening's read-only remounts: a bind of /etc onto itself there would hide
// these.
int bind_network_files(const char *const from[], const char *const to[], int n, const char **failed) {
  for (int i = 0; i < n; i++) {
    if (mount(from[i], to[i], NULL, MS_BIND, NULL) != 0) {
      *failed = to[i];
      return errno;
    }
  }
  return 0;
}
