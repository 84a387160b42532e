// systemd socket activation, done the way systemd does it (sd_listen_fds(3)):
// the "manager" (this test) binds and listens, then execs bvlived with the socket
// as fd 3, LISTEN_FDS=1 and LISTEN_PID set to the daemon's own pid. bvlived must
// serve on that socket, and leave the path alone when it stops: the manager owns it.
#define BOOST_TEST_MODULE socket_activation
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <string>

#include "support/process.hpp"

using namespace bvtest;

namespace {

int listen_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_REQUIRE(::listen(fd, 16) == 0);
  return fd;
}

// Forks and execs bvlived as systemd would; returns its pid.
pid_t exec_activated(int listen_fd, const TempDir& dir) {
  std::ofstream(dir / "empty.toml").flush();
  const std::string state = dir / "state", log = dir / "bvlived.log", config = dir / "empty.toml";
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(listen_fd, 3);  // clears FD_CLOEXEC on the copy
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 2);
    const std::string pid_text = std::to_string(::getpid());
    ::setenv("LISTEN_PID", pid_text.c_str(), 1);
    ::setenv("LISTEN_FDS", "1", 1);
    ::unsetenv("BVLIVE_SOCKET");
    // --socket names a path that must NOT be bound: the inherited socket wins.
    const std::string unused = dir / "unused.sock";
    ::execl(BVLIVED_BIN, BVLIVED_BIN, "--config", config.c_str(), "--state-dir", state.c_str(), "--socket",
            unused.c_str(), "--listen", "127.0.0.1", "--rtmp-port", "0", "--srt-port", "0", "--http-port", "0", "--api-port", "0",
            "--webrtc-port", "0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

}  // namespace

BOOST_AUTO_TEST_CASE(serves_on_the_inherited_socket_and_leaves_it_in_place) {
  TempDir dir;
  const std::string path = dir / "activated.sock";
  const int fd = listen_unix(path);
  const pid_t pid = exec_activated(fd, dir);
  ::close(fd);  // the daemon holds its own copy now

  Cli cli(path);
  BOOST_TEST_REQUIRE(poll_until([&] { return cli.run({"status"}).code == 0; }), read_file(dir / "bvlived.log"));
  RunResult created = cli.run({"create", "--name", "Activated", "--custom-id", "act"});
  BOOST_TEST(created.code == 0, created.describe());
  BOOST_TEST(cli.run({"show", "act"}).out.find("WAIT_FOR_PREVIEW") != std::string::npos);
  BOOST_TEST(::access((dir / "unused.sock").c_str(), F_OK) != 0, "bvlived bound --socket despite LISTEN_FDS");
  BOOST_TEST(read_file(dir / "bvlived.log").find("socket(s) from systemd") != std::string::npos);

  ::kill(pid, SIGTERM);
  int status = 0;
  BOOST_TEST_REQUIRE(poll_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }));
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  struct stat st {};
  BOOST_TEST(::stat(path.c_str(), &st) == 0, "the activated socket was unlinked by bvlived");
  BOOST_TEST(S_ISSOCK(st.st_mode));
}
