// Joining a container's network namespace (native/netns.c).
#ifndef TESSERA_NETNS_H
#define TESSERA_NETNS_H

// Returns 0 or an errno. Runs in the clone: no allocation.
int enter_netns(const char *path);

// Binds each from[i] over to[i] (the generated /etc/hosts, /etc/resolv.conf) in the
// container's mount namespace; 0, or an errno with *failed naming the path.
int bind_network_files(const char *const from[], const char *const to[], int n, const char **failed);

#endif
