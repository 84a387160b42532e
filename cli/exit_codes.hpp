// Exit codes of bvlive: the contract scripts rely on (also in `bvlive --help`).
#pragma once

#include "rpc/error.hpp"

namespace bvlive::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;        // anything else (daemon internal error, I/O, ...)
inline constexpr int kExitUsage = 2;        // bad command line, bad body, invalid_params
inline constexpr int kExitConflict = 3;     // not allowed in this state, duplicate custom_id
inline constexpr int kExitNotFound = 4;     // no live with that id or custom_id
inline constexpr int kExitUnavailable = 69; // cannot reach the daemon, or it cannot do it now

inline constexpr const char* kExitCodesHelp =
    "Exit codes:\n"
    "  0   success\n"
    "  1   other error (the message says which)\n"
    "  2   usage: bad command line or body, or a field the daemon refused (invalid_params)\n"
    "  3   conflict: the operation is not allowed in the live's state, or duplicate custom_id\n"
    "  4   not found: no live with that id or custom_id\n"
    "  69  daemon unavailable: cannot connect to the socket, or the daemon cannot do it now\n";

// The exit code for a daemon error of this kind (core/rpc/README.md).
inline int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidParams: return kExitUsage;
    case ErrorKind::NotFound: return kExitNotFound;
    case ErrorKind::Conflict: return kExitConflict;
    case ErrorKind::Unavailable: return kExitUnavailable;
    case ErrorKind::ParseError:
    case ErrorKind::InvalidRequest:
    case ErrorKind::MethodNotFound:
    case ErrorKind::Internal: return kExitError;
  }
  return kExitError;
}

}  // namespace bvlive::cli
