// The launcher's stand-alone system-call steps (native/steps.c). Each returns 0 or an errno.
#ifndef TESSERA_STEPS_H
#define TESSERA_STEPS_H
#include <sys/types.h>

int mkdirs(const char *path, uid_t uid, gid_t gid, int chown_leaf);
void exec_task(const char *file, char *const argv[], char *const env[]);
int make_read_only(const char *path);
int bound_capabilities(unsigned long long keep);
int restrict_capabilities(unsigned long long keep);
int limit_processes(long nproc);

#endif
