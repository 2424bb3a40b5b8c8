// Entering a container image's root file system (native/rootfs.c).
#ifndef TESSERA_ROOTFS_H
#define TESSERA_ROOTFS_H

// Generated /etc files (a CNI network's), opened as fds[i], to be seen at to[i].
struct generated_files {
  const int *fds;
  const char *const *to;
  int n;
};

// Returns 0, or an errno with *step naming what failed; `net` may be NULL (the host's files).
// Runs in the clone: no allocation.
int enter_rootfs(const char *root, const struct generated_files *net, const char **step);

// Mounts an overlay (`options`: lowerdir=…,upperdir=…,workdir=…) on `root`, in the container's
// own mount namespace: it goes with the container. Returns 0 or an errno.
int mount_overlay(const char *root, const char *options);

#endif
