#include "support/test_ca.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>

namespace bvtest {

namespace {

RunResult openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = run(argv);
  BOOST_TEST_REQUIRE(r.code == 0, "openssl failed: " << r.describe());
  return r;
}

}  // namespace

TestCa::TestCa(const std::string& dir) : dir_(dir), ca_file_(dir + "/ca.pem"), ca_key_(dir + "/ca.key") {
  std::filesystem::create_directories(dir_);  // e.g. TempDir / "ca", which does not exist yet
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca_key_,
           "-out", ca_file_, "-days", "30", "-subj", "/CN=bvlive test CA", "-addext",
           "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
}

ServerCert TestCa::issue(const std::string& name, const std::string& cn, int days) const {
  ServerCert out{dir_ + "/" + name + ".pem", dir_ + "/" + name + ".key", cn};
  const std::string csr = dir_ + "/" + name + ".csr";
  const std::string ext = dir_ + "/" + name + ".ext";
  const std::string leaf = dir_ + "/" + name + ".leaf.pem";
  write_file(ext,
             "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
             "basicConstraints=critical,CA:FALSE\n"
             "keyUsage=critical,digitalSignature,keyEncipherment\n"
             "extendedKeyUsage=serverAuth\n");
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", out.key, "-out",
           csr, "-subj", "/CN=" + cn});
  openssl({"x509", "-req", "-in", csr, "-CA", ca_file_, "-CAkey", ca_key_, "-CAcreateserial", "-out", leaf,
           "-extfile", ext, "-days", std::to_string(days)});
  write_file(out.certificate, read_file(leaf) + read_file(ca_file_));
  return out;
}

std::string TestCa::spki_hash(const std::string& certificate_file) {
  const RunResult r = run({"sh", "-c",
                           "openssl x509 -in '" + certificate_file +
                               "' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | "
                               "openssl enc -base64"});
  BOOST_TEST_REQUIRE(r.code == 0, "spki hash: " << r.describe());
  std::string hash = r.out;
  while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r')) hash.pop_back();
  return hash;
}

}  // namespace bvtest
