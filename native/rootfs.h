// Entering a container image's root file system (native/rootfs.c).
#ifndef TESSERA_ROOTFS_H
#define TESSERA_ROOTFS_H

// Returns 0, or an errno with *step naming what failed. Runs in the clone: no allocation.
int enter_rootfs(const char *root, const char **step);

// Mounts an overlay (`options`: lowerdir=…,upperdir=…,workdir=…) on `root`, in the container's
// own mount namespace: it goes with the container. Returns 0 or an errno.
int mount_overlay(const char *root, const char *options);

#endif
