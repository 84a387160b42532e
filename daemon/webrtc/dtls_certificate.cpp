#include "webrtc/dtls_certificate.hpp"
#include "util/hex.hpp"
#include "webrtc/openssl_errors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bvlive::webrtc {

namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct BnFree {
  void operator()(BIGNUM* number) const { BN_free(number); }
};


[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("webrtc certificate: " + what + ": " + openssl_errors());
}

EvpPkeyPtr generate_key() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate an ECDSA P-256 key");
  return key;
}

X509Ptr self_signed_certificate(EVP_PKEY* key) {
  X509Ptr certificate(X509_new());
  if (!certificate) fail("cannot allocate a certificate");
  X509* cert = certificate.get();

  // A random positive 64-bit serial: certificates from different installs never collide.
  unsigned char serial_bytes[8];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) fail("no random bytes for the serial");
  serial_bytes[0] &= 0x7f;
  std::unique_ptr<BIGNUM, BnFree> serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)))
    fail("cannot set the serial number");

  // Valid from a day ago (clock skew) for ten years: the identity is long-lived by design.
  constexpr long day = 24L * 60 * 60;
  if (X509_set_version(cert, 2) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert), -day) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert), 10 * 365 * day) ||
      X509_set_pubkey(cert, key) != 1)
    fail("cannot fill in the certificate");

  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("bvlive"), -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert, name) != 1)
    fail("cannot set the certificate's name");
  if (X509_sign(cert, key, EVP_sha256()) <= 0) fail("cannot sign the certificate");
  return certificate;
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// Written to a temporary name, synced and renamed: a crash never leaves half a key behind.
void write_file_atomically(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  const std::string temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    throw std::runtime_error("webrtc certificate: cannot create " + temporary + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, mode) == 0;
  for (std::size_t written = 0; ok && written < text.size();) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(ok ? errno : saved_errno);
    ::unlink(temporary.c_str());
    throw std::runtime_error("webrtc certificate: cannot write " + path.string() + ": " + reason);
  }
}

std::string read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("webrtc certificate: cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

[[noreturn]] void corrupt(const std::filesystem::path& path, const std::string& what) {
  ERR_clear_error();
  throw std::runtime_error("webrtc certificate: " + path.string() + " " + what +
                           "; remove it (and its partner " +
                           (path.filename() == DtlsCertificate::key_file_name
                                ? DtlsCertificate::certificate_file_name
                                : DtlsCertificate::key_file_name) +
                           ") and restart to generate a new key and certificate");
}

EvpPkeyPtr load_key(const std::filesystem::path& path) {
  const std::string text = read_whole_file(path);
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) corrupt(path, "is not a PEM private key (corrupt or truncated)");
  return key;
}

X509Ptr load_certificate(const std::filesystem::path& path) {
  const std::string text = read_whole_file(path);
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  X509Ptr certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!certificate) corrupt(path, "is not a PEM certificate (corrupt or truncated)");
  return certificate;
}

std::string key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("cannot encode the private key");
  return bio_contents(bio.get());
}

std::string certificate_pem(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1) fail("cannot encode the certificate");
  return bio_contents(bio.get());
}

}  // namespace

std::string fingerprint_sha256(const X509& certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(&certificate, EVP_sha256(), digest, &length) != 1) fail("cannot hash the certificate");
  return hex_encode(std::span<const std::uint8_t>(digest, length), true, ':');
}

DtlsCertificate::DtlsCertificate(EvpPkeyPtr key, X509Ptr certificate)
    : key_(std::move(key)),
      certificate_(std::move(certificate)),
      fingerprint_(webrtc::fingerprint_sha256(*certificate_)) {}

DtlsCertificate DtlsCertificate::generate() {
  EvpPkeyPtr key = generate_key();
  X509Ptr certificate = self_signed_certificate(key.get());
  return DtlsCertificate(std::move(key), std::move(certificate));
}

DtlsCertificate DtlsCertificate::load_or_create(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(dir, error);
  if (error)
    throw std::runtime_error("webrtc certificate: cannot create directory " + dir + ": " + error.message());
  const fs::path key_path = fs::path(dir) / key_file_name;
  const fs::path certificate_path = fs::path(dir) / certificate_file_name;

  // Without the key a kept certificate is useless: make both anew.
  if (!fs::exists(key_path)) {
    DtlsCertificate made = generate();
    write_file_atomically(key_path, key_pem(made.key()), 0600);
    write_file_atomically(certificate_path, certificate_pem(made.certificate()), 0644);
    return made;
  }
  EvpPkeyPtr key = load_key(key_path);
  if (!fs::exists(certificate_path)) {
    X509Ptr certificate = self_signed_certificate(key.get());
    write_file_atomically(certificate_path, certificate_pem(certificate.get()), 0644);
    return DtlsCertificate(std::move(key), std::move(certificate));
  }
  X509Ptr certificate = load_certificate(certificate_path);
  if (X509_check_private_key(certificate.get(), key.get()) != 1)
    corrupt(certificate_path, "does not belong to the key in " + key_path.string());
  return DtlsCertificate(std::move(key), std::move(certificate));
}

}  // namespace bvlive::webrtc
