// Default socket and state directory rules (core/util/paths.hpp).
#define BOOST_TEST_MODULE paths
#include <boost/test/unit_test.hpp>

#include "util/paths.hpp"

#include <cstdlib>
#include <string>

using bvlive::default_socket_path;
using bvlive::default_state_dir;

BOOST_AUTO_TEST_CASE(socket_in_xdg_runtime_dir) {
  BOOST_TEST(default_socket_path("/run/user/1000", 1000) == "/run/user/1000/bvlive/bvlived.sock");
  BOOST_TEST(default_socket_path("/run/user/1000/", 1000) == "/run/user/1000/bvlive/bvlived.sock");
  // XDG_RUNTIME_DIR wins even for root (a root login session).
  BOOST_TEST(default_socket_path("/run/user/0", 0) == "/run/user/0/bvlive/bvlived.sock");
}

BOOST_AUTO_TEST_CASE(socket_for_root_service) {
  BOOST_TEST(default_socket_path(nullptr, 0) == "/run/bvlive/bvlived.sock");
  BOOST_TEST(default_socket_path("", 0) == "/run/bvlive/bvlived.sock");
}

BOOST_AUTO_TEST_CASE(socket_fallback_in_tmp) {
  BOOST_TEST(default_socket_path(nullptr, 1000) == "/tmp/bvlive-1000/bvlived.sock");
  BOOST_TEST(default_socket_path("", 42) == "/tmp/bvlive-42/bvlived.sock");
  // A relative XDG_RUNTIME_DIR is invalid (XDG base directory spec) and ignored.
  BOOST_TEST(default_socket_path("run/user/7", 7) == "/tmp/bvlive-7/bvlived.sock");
}

BOOST_AUTO_TEST_CASE(state_dir_for_root_service) {
  BOOST_TEST(default_state_dir(nullptr, "/root", 0) == "/var/lib/bvlive");
  BOOST_TEST(default_state_dir("/root/.state", "/root", 0, nullptr) == "/var/lib/bvlive");
  BOOST_TEST(default_state_dir(nullptr, nullptr, 0, "") == "/var/lib/bvlive");
}

BOOST_AUTO_TEST_CASE(state_dir_for_root_in_a_session) {
  BOOST_TEST(default_state_dir("/root/.state", "/root", 0, "/run/user/0") == "/root/.state/bvlive");
  BOOST_TEST(default_state_dir(nullptr, "/root", 0, "/run/user/0") == "/root/.local/state/bvlive");
  BOOST_TEST(default_state_dir(nullptr, nullptr, 0, "/run/user/0") == "/var/lib/bvlive");
}

BOOST_AUTO_TEST_CASE(state_dir_for_a_user) {
  BOOST_TEST(default_state_dir("/home/ann/.xstate", "/home/ann", 1000, "/run/user/1000") ==
             "/home/ann/.xstate/bvlive");
  BOOST_TEST(default_state_dir(nullptr, "/home/ann", 1000, "/run/user/1000") ==
             "/home/ann/.local/state/bvlive");
  BOOST_TEST(default_state_dir("", "/home/ann/", 1000) == "/home/ann/.local/state/bvlive");
  // Without a runtime dir a user still gets the XDG locations.
  BOOST_TEST(default_state_dir("/s", "/home/ann", 1000) == "/s/bvlive");
  BOOST_TEST(default_state_dir("relative", "/home/ann", 1000) == "/home/ann/.local/state/bvlive");
}

BOOST_AUTO_TEST_CASE(state_dir_without_home) {
  BOOST_TEST(default_state_dir(nullptr, nullptr, 1000) == "/var/tmp/bvlive-1000");
  BOOST_TEST(default_state_dir("", "", 1000) == "/var/tmp/bvlive-1000");
}

BOOST_AUTO_TEST_CASE(from_env_honours_bvlive_socket) {
  ::setenv("BVLIVE_SOCKET", "/x/y.sock", 1);
  BOOST_TEST(bvlive::socket_path_from_env() == "/x/y.sock");
  ::setenv("BVLIVE_SOCKET", "", 1);
  ::setenv("XDG_RUNTIME_DIR", "/run/user/5", 1);
  BOOST_TEST(bvlive::socket_path_from_env() == "/run/user/5/bvlive/bvlived.sock");
  ::unsetenv("BVLIVE_SOCKET");
}
