#include "control/control_server.hpp"

#include <malloc.h>

#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <deque>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "log/log.hpp"

namespace bvlive {

namespace {

constexpr std::string_view kLog = "control";
constexpr int kBacklog = 128;
constexpr std::size_t kReadChunk = 64 * 1024;
// A client that sends requests without reading the answers stops being read once this
// much output is queued, and resumes below the low mark: memory stays bounded.
constexpr std::size_t kWriteHighWater = 8u << 20;
constexpr std::size_t kWriteLowWater = 1u << 20;
constexpr std::size_t kTrimAfterBytes = 1u << 20;

std::string errno_text(int err) { return std::strerror(err); }

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

// mkdir -p; directories created here get 0755 whatever the umask, so the socket's own
// mode decides who can connect.
void make_parent_dirs(const std::filesystem::path& dir) {
  if (dir.empty()) return;
  std::filesystem::path cur;
  for (const auto& part : dir) {
    cur /= part;
    if (::mkdir(cur.c_str(), 0755) == 0) {
      if (::chmod(cur.c_str(), 0755) != 0)
        fail("cannot set mode 0755 on " + cur.string() + ": " + errno_text(errno));
    } else if (errno != EEXIST) {
      fail("cannot create directory " + cur.string() + ": " + errno_text(errno));
    }
  }
}

// Refuses to take over a live socket; removes a dead one. Leaves anything that is not a
// socket alone, since unlinking an arbitrary file by mistake is worse than not starting.
void clear_stale_socket(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    fail("cannot inspect " + path + ": " + errno_text(errno));
  }
  if (!S_ISSOCK(st.st_mode)) fail(path + " exists and is not a socket; refusing to replace it");

  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) fail("socket(): " + errno_text(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::close(fd);
  // EAGAIN: a listener whose backlog is full is still a live daemon.
  if (rc == 0 || err == EAGAIN || err == EINPROGRESS)
    fail("another bvlived is already listening on " + path);
  if (err != ECONNREFUSED) fail("cannot probe existing socket " + path + ": " + errno_text(err));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    fail("cannot remove stale socket " + path + ": " + errno_text(errno));
  log::info(kLog, "removed stale socket " + path);
}

gid_t lookup_group(const std::string& name, const std::string& path) {
  const long size = ::sysconf(_SC_GETGR_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
  struct group gr {};
  struct group* found = nullptr;
  int rc;
  while ((rc = ::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found)) == ERANGE)
    buf.resize(buf.size() * 2);
  if (rc != 0) fail("cannot look up group '" + name + "' for " + path + ": " + errno_text(rc));
  if (!found) fail("unknown group '" + name + "' for control socket " + path);
  return gr.gr_gid;
}

std::string peer_text(std::uint64_t id, const Peer& p) {
  std::string s = "client #" + std::to_string(id);
  s += " (uid " + (p.uid ? std::to_string(*p.uid) : std::string("?"));
  s += ", pid " + (p.pid ? std::to_string(*p.pid) : std::string("?")) + ")";
  return s;
}

bool is_disconnect(int status) {
  return status == UV_EOF || status == UV_ECONNRESET || status == UV_EPIPE;
}

}  // namespace

struct ControlServer::Listener {
  ControlServer* server = nullptr;
  uv::UvHandle<uv_pipe_t> pipe;
  std::string path;  // bound by listen_path, unlinked on close; empty when adopted
  dev_t dev = 0;     // identity of the file we bound, so close() never unlinks a successor's
  ino_t ino = 0;
};

struct ControlServer::Client {
  ControlServer* server = nullptr;
  std::uint64_t id = 0;
  uv::UvHandle<uv_pipe_t> pipe;
  LineBuffer lines;
  Peer peer;
  std::unique_ptr<char[]> read_buf = std::make_unique<char[]>(kReadChunk);
  std::deque<LineItem> pending;  // read but not yet answered (output was over the mark)
  std::size_t writes_in_flight = 0;
  bool paused = false;  // reading stopped: unanswered lines or too much unsent output
  bool eof = false;     // peer shut down its side; close once our answers are out
  bool dead = false;    // pipe closed; freed by reap()
  bool waiting = false; // a request is being answered later; the next ones wait their turn

  explicit Client(std::size_t max_line) : lines(max_line) {}
};

namespace {

// Owns the bytes until libuv is done with them; the callback may run after the client
// is gone (then the stream's data is null, see UvHandle::reset).
struct WriteReq {
  uv_write_t req{};
  std::string data;
};

}  // namespace

ControlServer::ControlServer(uv_loop_t* loop, Dispatch dispatch, std::size_t max_line)
    : loop_(loop), dispatch_(std::move(dispatch)), max_line_(max_line) {
  // A client hanging up before its answer is written must cost an EPIPE, not the daemon.
  ::signal(SIGPIPE, SIG_IGN);
}

ControlServer::~ControlServer() {
  close();
  clients_.clear();  // even if (wrongly) destroyed from inside a dispatch
}

std::size_t ControlServer::client_count() const {
  std::size_t n = 0;
  for (const auto& c : clients_) n += c->dead ? 0 : 1;
  return n;
}

void ControlServer::listen_path(const std::string& path, unsigned mode, const std::string& group) {
  if (path.empty()) fail("control socket path is empty");
  // libuv 1.44 silently truncates longer names; say so instead of binding elsewhere.
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    fail("control socket path is too long (" + std::to_string(path.size()) + " bytes, at most " +
         std::to_string(sizeof(sockaddr_un::sun_path) - 1) + "): " + path);

  make_parent_dirs(std::filesystem::path(path).parent_path());
  clear_stale_socket(path);

  auto l = std::make_unique<Listener>();
  l->server = this;
  if (int rc = uv_pipe_init(loop_, l->pipe.get(), 0); rc != 0)
    fail(std::string("uv_pipe_init: ") + uv_strerror(rc));
  l->pipe.mark_initialized();
  if (int rc = uv_pipe_bind(l->pipe.get(), path.c_str()); rc != 0)
    fail("cannot bind control socket " + path + ": " + uv_strerror(rc));

  // Not listening yet, so nobody can connect before mode and group are right.
  try {
    if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0)
      fail("cannot set mode on " + path + ": " + errno_text(errno));
    if (!group.empty() && ::chown(path.c_str(), static_cast<uid_t>(-1), lookup_group(group, path)) != 0)
      fail("cannot set group '" + group + "' on " + path + ": " + errno_text(errno));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) fail("cannot stat " + path + ": " + errno_text(errno));
    l->dev = st.st_dev;
    l->ino = st.st_ino;
    l->path = path;
    start_listening(*l);
  } catch (...) {
    ::unlink(path.c_str());
    throw;
  }
  log::info(kLog, "listening on " + path);
  listeners_.push_back(std::move(l));
}

void ControlServer::adopt_fd(int fd) {
  // Check before uv_pipe_open takes the fd, so a wrong one is reported, not closed.
  int accepting = 0;
  socklen_t len = sizeof accepting;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0)
    fail("fd " + std::to_string(fd) + " is not a socket: " + errno_text(errno));
  if (!accepting) fail("fd " + std::to_string(fd) + " is not a listening socket");
  sockaddr_un addr{};
  socklen_t alen = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0 || addr.sun_family != AF_UNIX)
    fail("fd " + std::to_string(fd) + " is not a Unix socket");

  auto l = std::make_unique<Listener>();
  l->server = this;
  if (int rc = uv_pipe_init(loop_, l->pipe.get(), 0); rc != 0)
    fail(std::string("uv_pipe_init: ") + uv_strerror(rc));
  l->pipe.mark_initialized();
  if (int rc = uv_pipe_open(l->pipe.get(), fd); rc != 0)
    fail("cannot use fd " + std::to_string(fd) + ": " + uv_strerror(rc));
  start_listening(*l);
  std::string name = alen > offsetof(sockaddr_un, sun_path) && addr.sun_path[0] != '\0'
                         ? std::string(addr.sun_path, strnlen(addr.sun_path, sizeof addr.sun_path))
                         : std::string("(unnamed)");
  log::info(kLog, "listening on socket-activated fd " + std::to_string(fd) + " " + name);
  listeners_.push_back(std::move(l));
}

void ControlServer::start_listening(Listener& l) {
  l.pipe->data = &l;
  const int rc = uv_listen(l.pipe.stream(), kBacklog, [](uv_stream_t* s, int status) {
    if (auto* self = static_cast<Listener*>(s->data)) self->server->on_connection(*self, status);
  });
  if (rc != 0) fail("cannot listen on control socket: " + std::string(uv_strerror(rc)));
}

void ControlServer::close() {
  for (auto& l : listeners_) {
    if (l->path.empty()) continue;
    struct stat st {};
    if (::stat(l->path.c_str(), &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
      ::unlink(l->path.c_str());
  }
  const bool had_listeners = !listeners_.empty();
  listeners_.clear();
  for (auto& c : clients_) drop(*c, "server closing");
  if (busy_ == 0) reap();
  if (had_listeners) log::info(kLog, "control socket closed");
}

void ControlServer::on_connection(Listener& l, int status) {
  if (status < 0) {
    log::warn(kLog, std::string("accept failed: ") + uv_strerror(status));
    return;
  }
  auto c = std::make_unique<Client>(max_line_);
  c->server = this;
  c->id = next_client_id_++;
  if (int rc = uv_pipe_init(loop_, c->pipe.get(), 0); rc != 0) {
    log::warn(kLog, std::string("uv_pipe_init: ") + uv_strerror(rc));
    return;
  }
  c->pipe.mark_initialized();
  if (int rc = uv_accept(l.pipe.stream(), c->pipe.stream()); rc != 0) {
    log::warn(kLog, std::string("accept failed: ") + uv_strerror(rc));
    return;
  }

  uv_os_fd_t fd = -1;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (uv_fileno(c->pipe.handle(), &fd) == 0 &&
      ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof cred) {
    c->peer.uid = cred.uid;
    if (cred.pid > 0) c->peer.pid = cred.pid;
  } else {
    log::warn(kLog, "client #" + std::to_string(c->id) + ": peer credentials unavailable");
  }

  c->pipe->data = c.get();
  if (int rc = start_reading(*c); rc != 0) {
    log::warn(kLog, peer_text(c->id, c->peer) + ": cannot read: " + uv_strerror(rc));
    return;
  }
  log::debug(kLog, peer_text(c->id, c->peer) + " connected");
  clients_.push_back(std::move(c));
}

int ControlServer::start_reading(Client& c) {
  return uv_read_start(
      c.pipe.stream(),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* self = static_cast<Client*>(h->data);
        *buf = self ? uv_buf_init(self->read_buf.get(), kReadChunk) : uv_buf_init(nullptr, 0);
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        if (auto* self = static_cast<Client*>(s->data)) self->server->on_read(*self, nread, buf);
      });
}

void ControlServer::on_read(Client& c, ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0) return;  // EAGAIN
  if (nread == UV_EOF) {
    if (c.lines.buffered() > 0 || c.lines.discarding())
      log::debug(kLog, peer_text(c.id, c.peer) + " sent an unterminated last line; ignored");
    // A half-close ("printf ... | nc -U") still gets every answer before we close.
    c.eof = true;
    uv_read_stop(c.pipe.stream());
    if (c.writes_in_flight == 0 && !c.waiting) drop(c, "disconnected");
  } else if (nread < 0) {
    const int err = static_cast<int>(nread);
    if (!is_disconnect(err))
      log::warn(kLog, peer_text(c.id, c.peer) + ": read failed: " + uv_strerror(err));
    drop(c, uv_strerror(err));
  } else {
    try {
      for (auto& item : c.lines.feed(std::string_view(buf->base, static_cast<std::size_t>(nread))))
        c.pending.push_back(std::move(item));
    } catch (const std::exception& e) {
      log::warn(kLog, peer_text(c.id, c.peer) + ": " + e.what());
      drop(c, "failed");
    }
    answer_pending(c);
    update_flow(c);
  }
  if (busy_ == 0) reap();
}

void ControlServer::answer_pending(Client& c) {
  ++busy_;
  try {
    // Stop at the high-water mark: a few bytes of requests can ask for megabytes of answers;
    // and behind a request answered later: answers go out in the order asked.
    while (!c.dead && !c.waiting && !c.pending.empty() &&
           uv_stream_get_write_queue_size(c.pipe.stream()) <= kWriteHighWater) {
      const LineItem item = std::move(c.pending.front());
      c.pending.pop_front();
      if (item.oversized()) {
        log::warn(kLog, peer_text(c.id, c.peer) + ": request line over " + std::to_string(max_line_) +
                            " bytes, skipped");
        send(c, oversized_response(max_line_));
        continue;
      }
      auto parsed = parse_request_line(item.text);
      if (std::holds_alternative<std::monostate>(parsed)) continue;
      if (auto* error = std::get_if<std::string>(&parsed)) {
        send(c, std::move(*error));
        continue;
      }
      auto request = std::make_shared<RpcRequest>(std::move(std::get<RpcRequest>(parsed)));
      if (answer_later(c, request)) continue;
      // c.dead after this means dispatch closed the server; the answer is then dropped.
      if (auto response = respond(*request, [&] { return dispatch_(request->method, request->params, c.peer); }))
        send(c, std::move(*response));
    }
  } catch (const std::exception& e) {
    // Handler errors are already responses; this is allocation failure and the like.
    log::warn(kLog, peer_text(c.id, c.peer) + ": " + e.what());
    drop(c, "failed");
  }
  --busy_;
}

// A method that takes a while (a file imported on the thread pool) answers later: the
// client's next requests wait behind it, other clients do not wait at all.
bool ControlServer::answer_later(Client& c, const std::shared_ptr<RpcRequest>& request) {
  if (!dispatch_later_) return false;
  const std::uint64_t id = c.id;
  auto later = [this, id, request](const std::function<nlohmann::json()>& answer) {
    Client* client = nullptr;
    for (auto& each : clients_)
      if (each->id == id) client = each.get();
    auto response = respond(*request, answer);
    if (!client || client->dead) return;  // the client left; the work is done all the same
    client->waiting = false;
    ++busy_;
    if (response) send(*client, std::move(*response));
    --busy_;
    answer_pending(*client);
    update_flow(*client);
    if (client->eof && client->writes_in_flight == 0 && client->pending.empty()) drop(*client, "disconnected");
    if (busy_ == 0) reap();
  };
  try {
    c.waiting = dispatch_later_(request->method, request->params, c.peer, later);
  } catch (const std::exception&) {
    // Refused before it started: answered now, like any other error.
    c.waiting = false;
    if (auto response = respond(*request, [&]() -> nlohmann::json { throw; })) send(c, std::move(*response));
    return true;
  }
  return c.waiting;
}

void ControlServer::update_flow(Client& c) {
  if (c.dead || c.eof) return;
  const bool blocked =
      !c.pending.empty() || uv_stream_get_write_queue_size(c.pipe.stream()) > kWriteHighWater;
  if (blocked && !c.paused) {
    uv_read_stop(c.pipe.stream());
    c.paused = true;
  } else if (!blocked && c.paused) {
    c.paused = false;
    if (int rc = start_reading(c); rc != 0) {
      log::warn(kLog, peer_text(c.id, c.peer) + ": cannot read: " + uv_strerror(rc));
      drop(c, "read restart failed");
    }
  }
}

void ControlServer::on_write_done(Client& c, int status) {
  --c.writes_in_flight;
  if (status < 0) {
    if (!is_disconnect(status))
      log::warn(kLog, peer_text(c.id, c.peer) + ": write failed: " + uv_strerror(status));
    drop(c, uv_strerror(status));
  } else if (c.eof) {
    if (c.writes_in_flight == 0 && !c.waiting) drop(c, "disconnected");
  } else if (c.paused && uv_stream_get_write_queue_size(c.pipe.stream()) <= kWriteLowWater) {
    answer_pending(c);
    update_flow(c);
  }
  if (busy_ == 0) reap();
}

void ControlServer::send(Client& c, std::string line) {
  if (c.dead) return;
  auto w = std::make_unique<WriteReq>();
  w->data = std::move(line);
  w->req.data = w.get();
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  const int rc = uv_write(&w->req, c.pipe.stream(), &b, 1, [](uv_write_t* req, int status) {
    std::unique_ptr<WriteReq> owned(static_cast<WriteReq*>(req->data));
    const bool large = owned->data.size() >= kTrimAfterBytes;
    if (auto* self = static_cast<Client*>(req->handle->data); self && !self->dead)
      self->server->on_write_done(*self, status);
    owned.reset();
    // A large reply (a list of thousands of lives) leaves megabytes in malloc's
    // free lists; hand them back so an idle daemon stays small.
    if (large) malloc_trim(0);
  });
  if (rc != 0) {
    if (!is_disconnect(rc))
      log::warn(kLog, peer_text(c.id, c.peer) + ": write failed: " + uv_strerror(rc));
    drop(c, uv_strerror(rc));
    return;
  }
  (void)w.release();
  ++c.writes_in_flight;
}

void ControlServer::drop(Client& c, const char* why) {
  if (c.dead) return;
  c.dead = true;
  log::debug(kLog, peer_text(c.id, c.peer) + " disconnected (" + why + ")");
  c.pipe.reset();  // pending writes complete with ECANCELED, then the handle is freed
}

void ControlServer::reap() {
  clients_.remove_if([](const std::unique_ptr<Client>& c) { return c->dead; });
}

}  // namespace bvlive
