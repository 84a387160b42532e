// A certificate authority of the test's own, made with the openssl command: a CA, and server
// certificates it signs for 127.0.0.1, ::1 and localhost. Clients trust the CA file
// (ffprobe -ca_file, curl --cacert, Chromium's SPKI list), never "insecure" switches, so a
// test sees what a user with a real certificate sees.
#pragma once

#include <string>

#include "support/process.hpp"

namespace bvtest {

struct ServerCert {
  std::string certificate;  // PEM: the server certificate then the CA (a "fullchain.pem")
  std::string key;          // PEM: its private key
  std::string subject_cn;   // the CN it was made with
};

class TestCa {
 public:
  // Creates the CA in `dir` (files ca.pem, ca.key).
  explicit TestCa(const std::string& dir);
  const std::string& ca_file() const { return ca_file_; }
  // A new key and certificate for the loopback names, CN = `cn`, written as
  // DIR/NAME.pem and DIR/NAME.key, valid for `days` from now.
  ServerCert issue(const std::string& name, const std::string& cn, int days = 30) const;
  // The base64 SHA-256 of the certificate's public key, for Chromium's
  // --ignore-certificate-errors-spki-list (trust this key, as if the CA were installed).
  static std::string spki_hash(const std::string& certificate_file);

 private:
  std::string dir_;
  std::string ca_file_;
  std::string ca_key_;
};

}  // namespace bvtest
