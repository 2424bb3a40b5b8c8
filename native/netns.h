// Joining a container's network namespace (native/netns.c).
#ifndef TESSERA_NETNS_H
#define TESSERA_NETNS_H

// Returns 0 or an errno. Runs in the clone: no allocation.
int enter_netns(const char *path);

// Opens each from[i] (the generated /etc/hosts, /etc/resolv.conf) into fds[i], before the
// launch's mounts may hide its path (a work dir under /tmp); 0, or an errno with *failed.
int open_network_files(const char *const from[], int fds[], int n, const char **failed);

// Binds each opened file over to[i] in the container's mount namespace and closes it; 0, or
// an errno with *failed naming the path.
int bind_network_files(const int fds[], const char *const to[], int n, const char **failed);

#endif
