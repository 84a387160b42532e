// The control socket: JSON-RPC 2.0, one request per line, on a Unix stream socket
// (core/rpc/README.md). Each connection is read through a bounded LineBuffer, answered
// in order, and isolated: a misbehaving client only ever gets errors or is dropped.
#pragma once

#include <uv.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "control/peer.hpp"
#include "rpc/jsonrpc.hpp"
#include "uv/handle.hpp"

namespace bvlive {

class ControlServer {
 public:
  // Runs one method for one peer. Throws RpcError (MethodNotFound for unknown methods);
  // other exceptions become `internal` errors. May call close() but must not destroy
  // the server.
  using Dispatch = std::function<nlohmann::json(const std::string& method,
                                                const nlohmann::json& params, const Peer&)>;

  // A method answered later: when it takes the request it returns true and calls `answer`
  // once, on the loop and never before returning, with a function that returns the result
  // or throws the error. Until
  // then the client's next requests wait (answers keep their order); other clients do not.
  using Answer = std::function<void(const std::function<nlohmann::json()>& answer)>;
  using DispatchLater = std::function<bool(const std::string& method, const nlohmann::json& params, const Peer&,
                                           Answer answer)>;

  ControlServer(uv_loop_t* loop, Dispatch dispatch, std::size_t max_line);
  void set_dispatch_later(DispatchLater later) { dispatch_later_ = std::move(later); }
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds and listens on `path`: creates a missing parent directory (0755), refuses to
  // start when another daemon answers there, replaces a stale socket file, then sets
  // `mode` and, if non-empty, `group`. Throws std::runtime_error with a readable message.
  void listen_path(const std::string& path, unsigned mode, const std::string& group);
  // Listens on an already bound and listening socket (systemd socket activation).
  void adopt_fd(int fd);
  // Stops accepting, drops every client and unlinks the socket bound by listen_path.
  // Idempotent; the server may listen again afterwards.
  void close();

  std::size_t client_count() const;
  std::size_t max_line() const { return max_line_; }

 private:
  struct Listener;
  struct Client;

  void start_listening(Listener& l);
  void on_connection(Listener& l, int status);
  int start_reading(Client& c);
  void on_read(Client& c, ssize_t nread, const uv_buf_t* buf);
  void answer_pending(Client& c);
  bool answer_later(Client& c, const std::shared_ptr<RpcRequest>& request);
  void update_flow(Client& c);
  void on_write_done(Client& c, int status);
  void send(Client& c, std::string line);
  void drop(Client& c, const char* why);
  void reap();

  uv_loop_t* loop_;
  Dispatch dispatch_;
  DispatchLater dispatch_later_;
  std::size_t max_line_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::list<std::unique_ptr<Client>> clients_;
  std::uint64_t next_client_id_ = 1;
  int busy_ = 0;  // >0 while a client's requests run; clients are then freed afterwards
};

}  // namespace bvlive
