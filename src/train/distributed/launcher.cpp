#include "train/distributed/launcher.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"

namespace ttq::train::dist {
namespace {

volatile sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

std::vector<std::string> own_arguments() {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::string cur;
  for (char ch : all) {
    if (ch == '\0') {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  if (!cur.empty()) args.push_back(cur);
  return args;
}

// A port nobody listens on now (the kernel picks it); rank 0's TCPStore binds it next.
int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw FileError("cannot open a socket to pick a free port", "set MASTER_PORT yourself");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw FileError("cannot bind a socket on 127.0.0.1 to pick a free port", "set MASTER_PORT yourself");
  }
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0) throw ArgumentError(std::string(name) + "='" + v + "' is not a non-negative integer");
  return int(x);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  }
  return "stopped";
}

struct Child {
  pid_t pid = -1;
  int rank = 0;
  bool running = true;
};

void signal_all(std::vector<Child>& children, int sig) {
  for (auto& c : children)
    if (c.running) ::kill(c.pid, sig);
}

// Reaps what has exited; returns the first failure (or -1 = none yet).
void reap(std::vector<Child>& children, int& first_failure_status, int& first_failed_rank, bool quiet_kills) {
  for (auto& c : children) {
    if (!c.running) continue;
    int status = 0;
    if (::waitpid(c.pid, &status, WNOHANG) != c.pid) continue;
    c.running = false;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok && first_failed_rank < 0) {
      first_failed_rank = c.rank;
      first_failure_status = status;
      std::fprintf(stderr, "ttq: launcher: rank %d %s; stopping the other ranks\n", c.rank, describe_status(status).c_str());
    } else if (!ok && !quiet_kills) {
      std::fprintf(stderr, "ttq: launcher: rank %d %s\n", c.rank, describe_status(status).c_str());
    }
  }
}

bool any_running(const std::vector<Child>& children) {
  for (const auto& c : children)
    if (c.running) return true;
  return false;
}

}  // namespace

int launch_local_ranks(const LaunchOptions& options) {
  if (options.nproc_per_node < 1) throw ArgumentError("--nproc-per-node must be at least 1");
  const int nnodes = std::max(1, env_int("NNODES", 1));
  const int node_rank = env_int("NODE_RANK", 0);
  if (node_rank >= nnodes) throw ArgumentError("NODE_RANK must be below NNODES");
  std::string addr = std::getenv("MASTER_ADDR") ? std::getenv("MASTER_ADDR") : "";
  int port = env_int("MASTER_PORT", 0);
  if (nnodes > 1 && (addr.empty() || port == 0)) {
    throw ArgumentError("NNODES > 1 needs MASTER_ADDR and MASTER_PORT", "set them to node 0's address and a free port");
  }
  if (addr.empty()) addr = "127.0.0.1";
  if (port == 0) port = free_local_port();
  const int world = nnodes * options.nproc_per_node;

  const std::vector<std::string> args = own_arguments();
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  std::fflush(nullptr);
  std::vector<Child> children;
  const pid_t launcher_pid = ::getpid();
  for (int local = 0; local < options.nproc_per_node; ++local) {
    const int rank = node_rank * options.nproc_per_node + local;
    const pid_t pid = ::fork();
    if (pid < 0) {
      signal_all(children, SIGKILL);
      throw FileError("cannot start rank " + std::to_string(rank) + ": fork failed");
    }
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed launcher takes its ranks with it
      if (::getppid() != launcher_pid) ::_exit(1);
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(local).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(options.nproc_per_node).c_str(), 1);
      ::setenv("MASTER_ADDR", addr.c_str(), 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::execv("/proc/self/exe", argv.data());
      std::fprintf(stderr, "ttq: launcher: cannot re-execute /proc/self/exe: %s\n", std::strerror(errno));
      ::_exit(127);
    }
    children.push_back({pid, rank, true});
  }

  int failure_status = 0, failed_rank = -1;
  using clock = std::chrono::steady_clock;
  clock::time_point failure_time{};
  bool terminated = false, interrupted_reported = false;
  while (any_running(children)) {
    reap(children, failure_status, failed_rank, failed_rank >= 0);
    if (g_interrupted && !interrupted_reported) {
      interrupted_reported = true;
      std::fprintf(stderr, "ttq: launcher: interrupted; stopping all ranks\n");
      signal_all(children, SIGTERM);
      if (failed_rank < 0) {
        failed_rank = -2;
        failure_status = 0;
      }
      failure_time = clock::now() - std::chrono::milliseconds(int(options.grace_seconds * 1000));
    }
    if (failed_rank != -1 && failure_time == clock::time_point{}) failure_time = clock::now();
    if (failed_rank != -1 && any_running(children)) {
      const double waited = std::chrono::duration<double>(clock::now() - failure_time).count();
      if (!terminated && waited > options.grace_seconds) {
        std::fprintf(stderr, "ttq: launcher: killing the ranks still running\n");
        signal_all(children, SIGKILL);
        terminated = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (failed_rank == -2) return 130;
  if (failed_rank < 0) return 0;
  if (WIFEXITED(failure_status)) return WEXITSTATUS(failure_status);
  return 1;
}

}  // namespace ttq::train::dist
