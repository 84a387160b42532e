#include "core/api/api_error.hpp"

namespace bvlive::api {

nlohmann::json ApiError::body() const {
  return {{"error", {{"code", code}, {"message", message}, {"details", details.is_object() ? details : nlohmann::json::object()}}}};
}

ApiError api_error(int status, std::string code, std::string message, nlohmann::json details) {
  ApiError e;
  e.status = status;
  e.code = std::move(code);
  e.message = std::move(message);
  e.details = std::move(details);
  return e;
}

ApiError from_rpc_error(const RpcError& e) {
  int status = 500;
  switch (e.kind()) {
    case ErrorKind::ParseError:
    case ErrorKind::InvalidRequest:
    case ErrorKind::InvalidParams: status = 400; break;
    case ErrorKind::MethodNotFound:
    case ErrorKind::NotFound: status = 404; break;
    case ErrorKind::Conflict: status = 409; break;
    case ErrorKind::Unavailable: status = 503; break;
    case ErrorKind::Internal: status = 500; break;
  }
  nlohmann::json details = e.data().is_object() ? e.data() : nlohmann::json::object();
  details.erase("kind");  // the code says it
  return api_error(status, std::string(to_string(e.kind())), e.what(), std::move(details));
}

}  // namespace bvlive::api
