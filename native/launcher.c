// tessera-launcher: starts containers' first processes for the agent (see
// src/agent/containerizer/native-launcher.ts, which builds and drives it).
//
// Why a small C program: on the machines we measured, fork() of a Node process costs
// several ms (its page tables are copied, and every page copied on write afterwards costs a
// TLB shootdown) and each exec of a wrapper (sh, unshare, mount, setpriv) about 2 ms; a launch
// through such wrappers took 80 ms with namespaces. Here one clone() that shares the
// launcher's memory, as posix_spawn does, does everything the wrappers did — join the
// cgroups, enter new pid and mount namespaces, mount /proc, bind the sandbox, switch user —
// and then a single exec of the task. Mesos too has its own launcher do this.
//
// Protocol, on stdin: requests of the form "<bytes>\n" followed by <bytes> of NUL-terminated
// tokens: "id" N, "file" PATH, "argv" N ARG..., "env" N K=V..., "cwd" DIR, "stdout" PATH,
// "stderr" PATH, "mkdir" DIR, "cgroup" PROCS_FILE, "pidns", "mountns", "bind" FROM TO,
// "user" NAME UID GID, "rdonly" PATH (read-only in the container's mount namespace), "rdonly-root"
// PATH (the same, for a root task only; after every "rdonly"), "caps" HEXMASK (the capabilities
// kept), "nproc" N (RLIMIT_NPROC of a task not running as root), "netns" PATH (the network
// namespace to join, native/netns.c), "netfile" FROM TO (a generated /etc file bound over
// TO). On stdout, one line per
// event: "S id pid" (started), "F id message" (could not start; nothing is left running),
// "X id code signal" (ended; signal 0 when it exited, code -1 when a signal ended it). On end
// of input (the agent stopped or died) the launcher leaves running containers alone: they
// outlive the agent (Mesos's agent recovery re-attaches them), and it stays their parent until
// the last has ended, then exits.
//
// The exit log: with a path as its first argument, the launcher appends "S name pid" when a
// request that has a "name" token (the container id) started and "X name code signal" when
// it ended, before it replies. A container outlives the agent that started it, and then is no
// child of the next agent, which cannot collect its wait status: it reads it here (Mesos's
// containerizer keeps a `termination` file in its runtime dir for the same reason). Lines
// are short single appends, so two launchers (one of the agent's previous run, still reaping
// the containers it started, and the new one) can share the file. A request read after the
// agent died (its parent changed) is refused, not started: no agent would know of it.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"
#include "rootfs.h"
#include "steps.h"

#define MAX_LIST 4096
#define MAX_CGROUPS 8
#define MAX_BINDS 8
#define MAX_MKDIRS 8
#define MAX_NETFILES 4
#define MAX_RDONLY 96
#define MAX_GROUPS 1024
#define CHILD_STACK_BYTES (256 * 1024)

struct request {
  long id;
  const char *file;
  char *argv[MAX_LIST + 1];
  char *env[MAX_LIST + 1];
  const char *cwd, *out, *err;
  // Directories to create (mkdir -p), each owned by the user when there is one.
  const char *mkdirs[MAX_MKDIRS];
  int nmkdirs;
  const char *cgroups[MAX_CGROUPS];
  int ncgroups;
  int pidns, mountns;
  const char *bind_from[MAX_BINDS], *bind_to[MAX_BINDS];
  int nbinds;
  const char *user;
  const char *name;
  // A network namespace to join (enter_netns), or NULL: the launcher's (the host's).
  const char *netns;
  // Generated network files bound over the host's, after the hardening (bind_network_files).
  const char *netfile_from[MAX_NETFILES], *netfile_to[MAX_NETFILES];
  int nnetfiles;
  // A container image's root file system to pivot into (enter_rootfs), or NULL; with the
  // overlay backend, the mount options of the overlay mounted there first (mount_overlay).
  const char *rootfs, *overlay;
  uid_t uid;
  gid_t gid;
  // The user's supplementary groups, looked up before the clone (see launch()).
  gid_t groups[MAX_GROUPS];
  int ngroups;
  int errfd;
  // Hardening (steps.c): read-only mounts, all then a root task's; capabilities kept (a bit
  // mask, with has_caps); RLIMIT_NPROC (0: none).
  const char *rdonly[MAX_RDONLY];
  int nrdonly, nrdonly_all;
  unsigned long long caps;
  int has_caps;
  long nproc;
};

// Running children by pid, so their ends are reported under the request's id.
struct child {
  pid_t pid;
  long id;
  char *name;  // the container id, for the exit log; NULL when unnamed
};
static struct child *children;
static size_t nchildren, capchildren;

static int agent_gone;  // our output is closed: nobody reads replies any more
static int exit_log = -1;
static pid_t agent_pid;  // our parent, the agent that asks for launches

// The agent is gone: our stdout and stderr are its pipes (or its parent's), which must not be
// held open by a launcher that stays only to reap.
static void let_go_of_agent(void) {
  agent_gone = 1;
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return;
  dup3(null, STDIN_FILENO, O_CLOEXEC);
  dup3(null, STDOUT_FILENO, O_CLOEXEC);
  dup3(null, STDERR_FILENO, O_CLOEXEC);
  close(null);
}

// Lines the exit log could not take yet (a full disk), oldest first, retried every
// LOG_RETRY_MS until they land: a container's end is not lost to a disk full for a while.
// Bounded: past MAX_PENDING_LOG bytes a line is dropped (its end is then unknown to a
// restarted agent, as without the log), and an agent-less launcher gives up after
// LOG_GIVE_UP_RETRIES tries rather than stay forever on a disk never freed.
#define MAX_PENDING_LOG (64 * 1024)
#define LOG_RETRY_MS 100
#define LOG_GIVE_UP_RETRIES 6000
static char pending_log[MAX_PENDING_LOG];
static size_t pending_len;
static long log_retries;

// Writes one whole line or nothing: a short write (the disk filled up inside it) is undone
// when nothing was appended after it, so that the retry starts the line afresh; when it cannot
// be, the retry starts on a new line, leaving the fragment a line of its own, which the
// reader skips. Returns 0 when the line is in the file.
static int torn;
static int write_line(const char *line, size_t n) {
  if (torn) {
    ssize_t w;
    do w = write(exit_log, "\n", 1);
    while (w < 0 && errno == EINTR);
    if (w != 1) return -1;
    torn = 0;
  }
  ssize_t w;
  do w = write(exit_log, line, n);
  while (w < 0 && errno == EINTR);
  if (w == (ssize_t)n) return 0;
  if (w > 0) {
    struct stat st;
    off_t end = lseek(exit_log, 0, SEEK_CUR);
    int last = end >= w && fstat(exit_log, &st) == 0 && st.st_size == end;
    torn = !last || ftruncate(exit_log, end - w) != 0;
  }
  return -1;
}

// Writes what is pending, in order, as far as the disk lets it.
static void flush_log(void) {
  size_t done = 0;
  while (done < pending_len) {
    char *nl = memchr(pending_log + done, '\n', pending_len - done);
    size_t n = (size_t)(nl - (pending_log + done)) + 1;
    if (write_line(pending_log + done, n) != 0) break;
    done += n;
  }
  memmove(pending_log, pending_log + done, pending_len - done);
  pending_len -= done;
  log_retries = pending_len == 0 ? 0 : log_retries + 1;
}

// Appends one line to the exit log, if there is one: what the next agent reads when the one
// that asked for a container is gone. Behind lines still pending, so the order holds.
static void log_line(const char *fmt, ...) {
  if (exit_log < 0) return;
  char line[600];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n <= 0 || n >= (int)sizeof line) return;
  if (pending_len == 0 && write_line(line, (size_t)n) == 0) return;
  if (pending_len + (size_t)n > sizeof pending_log) return;
  memcpy(pending_log + pending_len, line, (size_t)n);
  pending_len += (size_t)n;
}

static void reply(const char *fmt, ...) {
  if (agent_gone) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof line - 2) n = sizeof line - 2;
  for (int i = 0; i < n; i++)
    if (line[i] == '\n') line[i] = ' ';
  line[n++] = '\n';
  for (int off = 0; off < n;) {
    ssize_t w = write(STDOUT_FILENO, line + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {  // the agent is gone: keep reaping, for the exit log
      let_go_of_agent();
      return;
    }
    off += w;
  }
}

// The token at *p (NUL-terminated), moving *p past it; NULL at the end of the request.
static char *next_token(char **p, char *end) {
  if (*p >= end) return NULL;
  char *tok = *p;
  char *nul = memchr(tok, '\0', (size_t)(end - tok));
  if (nul == NULL) return NULL;
  *p = nul + 1;
  return tok;
}

// Parses the request's tokens; returns NULL or what is wrong with it.
static const char *parse(char *buf, size_t len, struct request *r) {
  // Field by field: the argv and env arrays are only written as far as they are used.
  r->id = -1;
  r->file = r->cwd = r->out = r->err = r->user = r->name = r->netns = r->rootfs = r->overlay = NULL;
  r->nmkdirs = 0;
  r->argv[0] = r->env[0] = NULL;
  r->ncgroups = r->nbinds = r->ngroups = r->nnetfiles = 0;
  r->pidns = r->mountns = 0;
  r->nrdonly = r->nrdonly_all = r->has_caps = 0;
  r->nproc = 0;
  r->uid = 0;
  r->gid = 0;
  char *p = buf, *end = buf + len;
#define NEXT() next_token(&p, end)
  for (char *tok; (tok = NEXT()) != NULL;) {
    if (strcmp(tok, "id") == 0) {
      const char *v = NEXT();
      if (v == NULL) return "id without a value";
      r->id = strtol(v, NULL, 10);
    } else if (strcmp(tok, "file") == 0) {
      r->file = NEXT();
    } else if (strcmp(tok, "argv") == 0 || strcmp(tok, "env") == 0) {
      char **list = tok[0] == 'a' ? r->argv : r->env;
      const char *v = NEXT();
      long n = v == NULL ? -1 : strtol(v, NULL, 10);
      if (n < 0 || n > MAX_LIST) return "bad list length";
      for (long i = 0; i < n; i++)
        if ((list[i] = NEXT()) == NULL) return "list shorter than its length";
      list[n] = NULL;
    } else if (strcmp(tok, "cwd") == 0) {
      r->cwd = NEXT();
    } else if (strcmp(tok, "stdout") == 0) {
      r->out = NEXT();
    } else if (strcmp(tok, "stderr") == 0) {
      r->err = NEXT();
    } else if (strcmp(tok, "mkdir") == 0) {
      if (r->nmkdirs == MAX_MKDIRS) return "too many directories";
      if ((r->mkdirs[r->nmkdirs++] = NEXT()) == NULL) return "mkdir without a path";
    } else if (strcmp(tok, "cgroup") == 0) {
      if (r->ncgroups == MAX_CGROUPS) return "too many cgroups";
      r->cgroups[r->ncgroups++] = NEXT();
    } else if (strcmp(tok, "name") == 0) {
      r->name = NEXT();
      if (r->name == NULL || strlen(r->name) > 256 || strchr(r->name, ' ') != NULL ||
          strchr(r->name, '\n') != NULL)
        return "bad name";
    } else if (strcmp(tok, "netns") == 0) {
      if ((r->netns = NEXT()) == NULL || r->netns[0] != '/') return "netns without an absolute path";
    } else if (strcmp(tok, "netfile") == 0) {
      if (r->nnetfiles == MAX_NETFILES) return "too many network files";
      r->netfile_from[r->nnetfiles] = NEXT();
      if ((r->netfile_to[r->nnetfiles++] = NEXT()) == NULL) return "netfile without two paths";
    } else if (strcmp(tok, "overlay") == 0) {
      if ((r->overlay = NEXT()) == NULL) return "overlay without mount options";
    } else if (strcmp(tok, "rootfs") == 0) {
      if ((r->rootfs = NEXT()) == NULL || r->rootfs[0] != '/') return "rootfs without an absolute path";
    } else if (strcmp(tok, "pidns") == 0) {
      r->pidns = 1;
    } else if (strcmp(tok, "mountns") == 0) {
      r->mountns = 1;
    } else if (strcmp(tok, "bind") == 0) {
      if (r->nbinds == MAX_BINDS) return "too many binds";
      r->bind_from[r->nbinds] = NEXT();
      r->bind_to[r->nbinds++] = NEXT();
    } else if (strcmp(tok, "rdonly") == 0 || strcmp(tok, "rdonly-root") == 0) {
      if (r->nrdonly == MAX_RDONLY) return "too many read-only paths";
      if ((r->rdonly[r->nrdonly++] = NEXT()) == NULL) return "rdonly without a path";
      if (tok[6] == '\0') r->nrdonly_all = r->nrdonly;
    } else if (strcmp(tok, "caps") == 0 || strcmp(tok, "nproc") == 0) {
      const char *v = NEXT();
      if (v == NULL) return "caps or nproc without a value";
      if (tok[0] == 'c') r->caps = strtoull(v, NULL, 16), r->has_caps = 1;
      else r->nproc = strtol(v, NULL, 10);
    } else if (strcmp(tok, "user") == 0) {
      r->user = NEXT();
      const char *uid = NEXT(), *gid = NEXT();
      if (uid == NULL || gid == NULL) return "user without uid and gid";
      r->uid = (uid_t)strtoul(uid, NULL, 10);
      r->gid = (gid_t)strtoul(gid, NULL, 10);
    } else {
      return "unknown token";
    }
  }
#undef NEXT
  if (r->id < 0 || r->file == NULL || r->argv[0] == NULL || r->cwd == NULL || r->out == NULL ||
      r->err == NULL)
    return "incomplete request";
  for (int i = 0; i < r->nbinds; i++)
    if (r->bind_from[i] == NULL || r->bind_to[i] == NULL) return "bind without two paths";
  return NULL;
}

// In the child: reports why it cannot go on through the error pipe and ends.
static void die(int fd, const char *stage, const char *what, int err) {
  char msg[900];
  int n = snprintf(msg, sizeof msg, "%s%s%s: %s", stage, what ? " " : "", what ? what : "",
                   strerror(err));
  if (n > 0) (void)!write(fd, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
  _exit(127);
}

static int open_log(const char *path, const struct request *r) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd >= 0 && r->user != NULL && fchown(fd, r->uid, r->gid) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

// Runs in the clone, which shares the launcher's memory (CLONE_VM) while the launcher waits
// (CLONE_VFORK) until it has exec'd or ended: only system calls here, nothing that allocates.
// The steps of task-hardening.ts that need root: before the user switch.
static void harden(const struct request *r, int errfd) {
  int e;
  int root = r->user == NULL ? getuid() == 0 : r->uid == 0;
  int n = root ? r->nrdonly : r->nrdonly_all;
  for (int i = 0; (r->mountns || r->pidns) && i < n; i++)
    if ((e = make_read_only(r->rdonly[i])) != 0)
      die(errfd, "cannot make read-only", r->rdonly[i], e);
  if (r->nproc > 0 && !root && (e = limit_processes(r->nproc)) != 0)
    die(errfd, "cannot limit the processes", NULL, e);
  if (r->has_caps && (e = bound_capabilities(r->caps)) != 0)
    die(errfd, "cannot drop capabilities", NULL, e);
}

static int child(void *arg) {
  const struct request *r = arg;
  int errfd = r->errfd, e;
  sigset_t none;
  sigemptyset(&none);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (setsid() < 0) die(errfd, "setsid", NULL, errno);
  if (r->netns != NULL && (e = enter_netns(r->netns)) != 0)
    die(errfd, "cannot join the network namespace", r->netns, e);
  // "0" is the writer itself, also inside a new pid namespace.
  for (int i = 0; i < r->ncgroups; i++) {
    int fd = open(r->cgroups[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) die(errfd, "cannot join the container's cgroup", r->cgroups[i], errno);
    close(fd);
  }
  // The logs are opened before the mounts below, which may hide their host paths.
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out = open_log(r->out, r);
  if (out < 0) die(errfd, "cannot open", r->out, errno);
  int err = open_log(r->err, r);
  if (err < 0) die(errfd, "cannot open", r->err, errno);
  if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
    die(errfd, "cannot set up stdio", NULL, errno);
  int netfds[MAX_NETFILES];
  const char *netfile = NULL;
  if ((e = open_network_files(r->netfile_from, netfds, r->nnetfiles, &netfile)) != 0)
    die(errfd, "cannot open the network file", netfile, e);
  if (r->mountns || r->pidns) {
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
      die(errfd, "cannot make mounts private", NULL, errno);
  }
  if (r->pidns && mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
    die(errfd, "cannot mount /proc", NULL, errno);
  if (r->overlay != NULL && r->rootfs != NULL && (e = mount_overlay(r->rootfs, r->overlay)) != 0)
    die(errfd, "cannot mount the image's overlay on", r->rootfs, e);
  for (int i = 0; i < r->nbinds; i++)
    // Recursive: persistent volumes mounted inside the sandbox come along (volume-mounts.ts).
    if (mount(r->bind_from[i], r->bind_to[i], NULL, MS_BIND | MS_REC, NULL) != 0)
      die(errfd, "cannot bind-mount", r->bind_to[i], errno);
  const char *step = NULL;
  const struct generated_files net = {netfds, r->netfile_to, r->nnetfiles};
  if (r->rootfs != NULL && (e = enter_rootfs(r->rootfs, &net, &step)) != 0) die(errfd, step, r->rootfs, e);
  if (chdir(r->cwd) != 0) die(errfd, "cannot enter", r->cwd, errno);
  harden(r, errfd);
  // In an image they were bound before the pivot (enter_rootfs).
  if (r->rootfs == NULL && (e = bind_network_files(netfds, r->netfile_to, r->nnetfiles, &netfile)) != 0)
    die(errfd, "cannot bind the network file", netfile, e);
  if (r->user != NULL) {
    if (setgroups((size_t)r->ngroups, r->groups) != 0)
      die(errfd, "cannot set groups of", r->user, errno);
    if (setgid(r->gid) != 0) die(errfd, "cannot set gid for", r->user, errno);
    if (setuid(r->uid) != 0) die(errfd, "cannot set uid for", r->user, errno);
  }
  if (r->has_caps && (r->user == NULL || r->uid == 0) && (e = restrict_capabilities(r->caps)))
    die(errfd, "cannot restrict the capabilities", NULL, e);
  exec_task(r->file, r->argv, r->env);
  die(errfd, "cannot execute", r->file, errno);
  return 127;
}

static void launch(struct request *r) {
  // A request still in the pipe when the agent died is not started: the agent restarted in
  // its place may already have recovered without finding it, so nothing would ever watch or
  // kill it, and its task would be reported gone while it ran.
  if (getppid() != agent_pid) {
    reply("F %ld the agent that asked for it is gone", r->id);
    return;
  }
  for (int i = 0; i < r->nmkdirs; i++) {
    int e = mkdirs(r->mkdirs[i], r->uid, r->gid, r->user != NULL);
    if (e != 0) {
      reply("F %ld cannot create %s: %s", r->id, r->mkdirs[i], strerror(e));
      return;
    }
  }

  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    reply("F %ld pipe: %s", r->id, strerror(errno));
    return;
  }
  if (r->user != NULL) {
    r->ngroups = MAX_GROUPS;
    if (getgrouplist(r->user, r->gid, r->groups, &r->ngroups) < 0) {
      reply("F %ld cannot look up the groups of %s", r->id, r->user);
      close(pipefd[0]);
      close(pipefd[1]);
      return;
    }
  }
  r->errfd = pipefd[1];
  // Like posix_spawn: the clone shares our memory and we wait until it has exec'd, so no page
  // table is copied and no page is copied on write afterwards. On the virtual machines we
  // measured, each copied page cost a TLB shootdown across CPUs and a fork() several ms.
  static char stack[CHILD_STACK_BYTES] __attribute__((aligned(16)));
  int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
  if (r->pidns) flags |= CLONE_NEWPID | CLONE_NEWNS;
  if (r->mountns) flags |= CLONE_NEWNS;
  pid_t pid = clone(child, stack + sizeof stack, flags, r);
  close(pipefd[1]);
  if (pid < 0) {
    reply("F %ld cannot start '%s': %s", r->id, r->file, strerror(errno));
    close(pipefd[0]);
    return;
  }
  // The clone has exec'd (the pipe closed with it) or failed (its message is in the pipe).
  char msg[1000];
  ssize_t n;
  do n = read(pipefd[0], msg, sizeof msg - 1);
  while (n < 0 && errno == EINTR);
  close(pipefd[0]);
  if (n > 0) {
    msg[n] = '\0';
    waitpid(pid, NULL, 0);
    reply("F %ld %s", r->id, msg);
    return;
  }
  if (nchildren == capchildren) {
    capchildren = capchildren ? capchildren * 2 : 64;
    children = realloc(children, capchildren * sizeof *children);
    if (children == NULL) abort();
  }
  char *name = r->name == NULL ? NULL : strdup(r->name);
  children[nchildren++] = (struct child){pid, r->id, name};
  if (name != NULL) log_line("S %s %d\n", name, pid);
  reply("S %ld %d", r->id, pid);
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    for (size_t i = 0; i < nchildren; i++) {
      if (children[i].pid != pid) continue;
      int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      int sig = WIFEXITED(status) ? 0 : WTERMSIG(status);
      // The log first: an agent killed before it read the reply finds the status there.
      if (children[i].name != NULL) log_line("X %s %d %d\n", children[i].name, code, sig);
      reply("X %ld %d %d", children[i].id, code, sig);
      free(children[i].name);
      children[i] = children[--nchildren];
      break;
    }
  }
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  agent_pid = getppid();
  if (argc > 1) exit_log = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return 1;
  fcntl(STDIN_FILENO, F_SETFD, FD_CLOEXEC);
  fcntl(STDOUT_FILENO, F_SETFD, FD_CLOEXEC);
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  if (buf == NULL) return 1;
  struct request *r = malloc(sizeof *r);
  if (r == NULL) return 1;
  int input_open = 1;
  for (;;) {
    if (pending_len > 0) flush_log();
    // Input closed: only the children's ends are left to wait for, and to log.
    int unlogged = pending_len > 0 && log_retries < LOG_GIVE_UP_RETRIES;
    if (!input_open && nchildren == 0 && !unlogged) return 0;
    struct pollfd fds[2] = {{input_open ? STDIN_FILENO : -1, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (poll(fds, 2, pending_len > 0 ? LOG_RETRY_MS : -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) == sizeof info) {
      }
      reap();
    }
    if (!(fds[0].revents & (POLLIN | POLLHUP))) continue;
    if (len == cap) {
      cap *= 2;
      if ((buf = realloc(buf, cap)) == NULL) return 1;
    }
    ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // the agent closed our input: leave the containers running
      input_open = 0;
      let_go_of_agent();
      continue;
    }
    len += (size_t)n;
    for (;;) {
      char *nl = memchr(buf, '\n', len);
      if (nl == NULL) break;
      size_t want = strtoul(buf, NULL, 10), head = (size_t)(nl - buf) + 1;
      if (len < head + want) {
        while (cap < head + want) cap *= 2;
        if ((buf = realloc(buf, cap)) == NULL) return 1;
        break;
      }
      const char *bad = parse(buf + head, want, r);
      if (bad != NULL)
        reply("F %ld bad request: %s", r->id, bad);
      else
        launch(r);
      memmove(buf, buf + head + want, len - head - want);
      len -= head + want;
    }
  }
}
