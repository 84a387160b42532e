// Why a chat post, vote or poll change is refused. It is an RpcError, so the control socket
// answers it as any other (kind + message), and it also carries the HTTP status a page
// gets for it, and how long to wait when the answer is "too fast".
#pragma once

#include <string>

#include "rpc/error.hpp"
#include "util/time.hpp"

namespace bvlive::interaction {

class Refusal : public RpcError {
 public:
  Refusal(ErrorKind kind, int http_status, std::string reason, DurationMs retry_after = 0)
      : RpcError(kind, std::move(reason)), http_status_(http_status), retry_after_(retry_after) {}
  int http_status() const { return http_status_; }
  DurationMs retry_after() const { return retry_after_; }  // ms; 0 when waiting does not help

 private:
  int http_status_;
  DurationMs retry_after_;
};

}  // namespace bvlive::interaction
