#define BOOST_TEST_MODULE security
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "core/security/device_window.hpp"
#include "core/security/domain_match.hpp"
#include "core/security/jwt.hpp"

using namespace bvlive;
using namespace bvlive::security;

namespace {

std::vector<std::uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }
std::string text(const std::vector<std::uint8_t>& b) { return {b.begin(), b.end()}; }

const std::vector<std::uint8_t> kSecret = bytes("0123456789abcdef0123456789abcdef");
const TimeMs kIssued = *parse_rfc3339("2026-03-01T08:00:00Z");
const TimeMs kExpires = *parse_rfc3339("2026-03-01T10:00:00Z");

PlaybackClaims claims() { return PlaybackClaims{"abc123def456", kIssued, kExpires, 2, "tok-1"}; }

// The parts of a compact token.
std::vector<std::string> parts(const std::string& token) {
  const auto d1 = token.find('.');
  const auto d2 = token.find('.', d1 + 1);
  return {token.substr(0, d1), token.substr(d1 + 1, d2 - d1 - 1), token.substr(d2 + 1)};
}

}  // namespace

// ---- base64url -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(base64url_rfc4648_vectors_without_padding) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg"},         {"fo", "Zm8"},
                                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg"},  {"fooba", "Zm9vYmE"},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(base64url_encode(std::string_view(plain)) == encoded);
    const auto decoded = base64url_decode(encoded);
    BOOST_REQUIRE(decoded);
    BOOST_TEST(text(*decoded) == plain);
  }
  // The URL-safe alphabet: '-' and '_' where standard base64 has '+' and '/'.
  const std::vector<std::uint8_t> high = {0xfb, 0xff, 0xbf};
  BOOST_TEST(base64url_encode(high) == "-_-_");
  BOOST_TEST(*base64url_decode("-_-_") == high);
}

BOOST_AUTO_TEST_CASE(base64url_decoding_rejects_bad_text) {
  BOOST_TEST(!base64url_decode("Zg=="));     // padding
  BOOST_TEST(!base64url_decode("Zm+v"));     // standard alphabet
  BOOST_TEST(!base64url_decode("Zm/v"));
  BOOST_TEST(!base64url_decode("Zm9 v"));    // whitespace
  BOOST_TEST(!base64url_decode("Zm9vY"));    // 4n+1 characters cannot be bytes
  BOOST_TEST(!base64url_decode("Zh"));       // non-zero unused bits: a second spelling of "f"
  BOOST_TEST(!base64url_decode(std::string_view("Zm\0v", 4)));
}

BOOST_AUTO_TEST_CASE(secret_hex_round_trip) {
  const std::vector<std::uint8_t> secret = {0x00, 0x7f, 0x80, 0xff, 0x1a};
  BOOST_TEST(encode_secret_hex(secret) == "007f80ff1a");
  BOOST_TEST(*decode_secret_hex("007F80ff1a\n") == secret);
  BOOST_TEST(!decode_secret_hex("007"));
  BOOST_TEST(!decode_secret_hex("zz"));
}

// ---- JWS HS256 -------------------------------------------------------------------------

// RFC 7515 Appendix A.1: its key and JWS Signing Input give its known signature.
const char* const kRfcHeader = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
const char* const kRfcPayload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const char* const kRfcSignature = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const char* const kRfcKey = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

BOOST_AUTO_TEST_CASE(rfc7515_a1_hs256_example) {
  const auto key = base64url_decode(kRfcKey);
  BOOST_REQUIRE(key);
  BOOST_TEST(key->size() == 64u);
  const std::string signing_input = std::string(kRfcHeader) + "." + kRfcPayload;
  BOOST_TEST(base64url_encode(hs256_mac(signing_input, *key)) == kRfcSignature);

  const auto result = verify_jws_hs256(signing_input + "." + kRfcSignature, *key);
  BOOST_REQUIRE_MESSAGE(result, result.reason);
  BOOST_TEST((*result.payload)["iss"] == "joe");
  BOOST_TEST((*result.payload)["exp"] == 1300819380);
  BOOST_TEST((*result.payload)["http://example.com/is_root"] == true);

  // A valid JWS, but not a playback token: no "sub" claim.
  const auto playback = verify_playback_token(signing_input + "." + kRfcSignature, *key, 0);
  BOOST_TEST(!playback);
  BOOST_TEST((playback.error == TokenError::Malformed));
  BOOST_TEST(playback.reason.find("\"sub\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(playback_token_round_trip) {
  const std::string token = sign_playback_token(claims(), kSecret);
  BOOST_TEST(std::count(token.begin(), token.end(), '.') == 2);
  BOOST_TEST(text(*base64url_decode(parts(token)[0])) == R"({"alg":"HS256","typ":"JWT"})");

  const auto result = verify_playback_token(token, kSecret, kIssued + 1000);
  BOOST_REQUIRE_MESSAGE(result, result.reason);
  BOOST_TEST(result.claims->live_id == "abc123def456");
  BOOST_TEST(result.claims->issued_at == kIssued);
  BOOST_TEST(result.claims->expires_at == kExpires);
  BOOST_TEST(result.claims->device_limit == 2);
  BOOST_TEST(result.claims->token_id == "tok-1");

  // No device limit from the token: dl 0.
  auto unlimited = claims();
  unlimited.device_limit = 0;
  const auto r0 = verify_playback_token(sign_playback_token(unlimited, kSecret), kSecret, kIssued);
  BOOST_REQUIRE(r0);
  BOOST_TEST(r0.claims->device_limit == 0);
}

BOOST_AUTO_TEST_CASE(tampered_payload_is_a_bad_signature) {
  const auto p = parts(sign_playback_token(claims(), kSecret));
  auto other = claims();
  other.live_id = "someotherlive";
  const auto forged_payload = parts(sign_playback_token(other, bytes("attacker secret")))[1];
  const auto result = verify_playback_token(p[0] + "." + forged_payload + "." + p[2], kSecret, kIssued);
  BOOST_TEST(!result);
  BOOST_TEST((result.error == TokenError::BadSignature));
  BOOST_TEST(token_error_name(result.error) == "bad_signature");
}

BOOST_AUTO_TEST_CASE(tampered_signature_is_a_bad_signature) {
  const auto p = parts(sign_playback_token(claims(), kSecret));
  std::string sig = p[2];
  sig[0] = sig[0] == 'A' ? 'B' : 'A';
  const auto result = verify_playback_token(p[0] + "." + p[1] + "." + sig, kSecret, kIssued);
  BOOST_TEST((result.error == TokenError::BadSignature));
  BOOST_TEST(!result);
  // A truncated signature too.
  const auto shorter = verify_playback_token(p[0] + "." + p[1] + "." + p[2].substr(0, 40), kSecret, kIssued);
  BOOST_TEST(!shorter);
  BOOST_TEST((shorter.error == TokenError::BadSignature));
}

BOOST_AUTO_TEST_CASE(wrong_secret_is_a_bad_signature) {
  const std::string token = sign_playback_token(claims(), kSecret);
  const auto result = verify_playback_token(token, bytes("another secret of the same size!"), kIssued);
  BOOST_TEST(!result);
  BOOST_TEST((result.error == TokenError::BadSignature));
  BOOST_TEST(!verify_playback_token(token, {}, kIssued));  // no secret verifies nothing
  BOOST_CHECK_THROW(sign_playback_token(claims(), {}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(alg_none_and_other_algorithms_are_refused) {
  const auto p = parts(sign_playback_token(claims(), kSecret));
  for (const char* header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"HS512","typ":"JWT"})",
                             R"({"alg":"hs256"})", R"({"typ":"JWT"})", R"({"alg":"HS256","crit":["x"]})"}) {
    const std::string h = base64url_encode(std::string_view(header));
    // Unsigned ("none" style, empty signature) and with the original signature.
    for (const std::string& token : {h + "." + p[1] + ".", h + "." + p[1] + "." + p[2]}) {
      const auto result = verify_playback_token(token, kSecret, kIssued);
      BOOST_TEST(!result, header);
      BOOST_TEST((result.error == TokenError::Malformed), header);
    }
  }
  const auto none = verify_playback_token(
      base64url_encode(std::string_view(R"({"alg":"none"})")) + "." + p[1] + ".", kSecret, kIssued);
  BOOST_TEST(none.reason.find("\"none\" is not accepted") != std::string::npos, none.reason);
}

BOOST_AUTO_TEST_CASE(malformed_tokens) {
  const auto p = parts(sign_playback_token(claims(), kSecret));
  const std::string not_json = base64url_encode(std::string_view("{not json"));
  const std::string array = base64url_encode(std::string_view("[1,2]"));
  for (const std::string& token :
       {std::string(), std::string("abc"), p[0] + "." + p[1], p[0] + "." + p[1] + "." + p[2] + ".x",
        p[0] + "=." + p[1] + "." + p[2], p[0] + "." + p[1] + "." + p[2] + "=", not_json + "." + p[1] + "." + p[2],
        array + "." + p[1] + "." + p[2]}) {
    const auto result = verify_playback_token(token, kSecret, kIssued);
    BOOST_TEST(!result, token);
    BOOST_TEST((result.error == TokenError::Malformed), token);
    BOOST_TEST(!result.reason.empty());
  }
}

BOOST_AUTO_TEST_CASE(missing_or_bad_claims_are_malformed) {
  const nlohmann::json good = {{"sub", "live1"}, {"iat", 1772352000}, {"exp", 1772359200}, {"jti", "t1"}};
  BOOST_TEST(verify_playback_token(sign_jws_hs256(good, kSecret), kSecret, kIssued).claims.has_value());  // dl is optional
  for (const char* claim : {"sub", "iat", "exp", "jti"}) {
    auto payload = good;
    payload.erase(claim);
    const auto result = verify_playback_token(sign_jws_hs256(payload, kSecret), kSecret, kIssued);
    BOOST_TEST(!result, claim);
    BOOST_TEST((result.error == TokenError::Malformed), claim);
    BOOST_TEST(result.reason.find(std::string("\"") + claim + "\"") != std::string::npos, result.reason);
  }
  for (const auto& [claim, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"sub", 12}, {"sub", ""}, {"exp", "tomorrow"}, {"dl", -1}, {"dl", "2"}, {"dl", 1.5}}) {
    auto payload = good;
    payload[claim] = value;
    const auto result = verify_playback_token(sign_jws_hs256(payload, kSecret), kSecret, kIssued);
    BOOST_TEST(!result, claim);
    BOOST_TEST((result.error == TokenError::Malformed), claim);
  }
}

BOOST_AUTO_TEST_CASE(expired_token_says_when) {
  const std::string token = sign_playback_token(claims(), kSecret);
  BOOST_TEST(verify_playback_token(token, kSecret, kExpires - 1).claims.has_value());
  for (TimeMs now : {kExpires, kExpires + 3'600'000}) {
    const auto result = verify_playback_token(token, kSecret, now);
    BOOST_TEST(!result);
    BOOST_TEST((result.error == TokenError::Expired));
    BOOST_TEST(result.reason == "token expired at 2026-03-01T10:00:00Z");
  }
  // A forged token is a bad signature, whatever its expiry: the signature is checked first.
  BOOST_TEST((verify_playback_token(token, bytes("x"), kExpires).error == TokenError::BadSignature));
}

// ---- device window ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(third_device_refused_while_first_two_keep_playing) {
  DeviceWindow window(60'000);
  const TimeMs t = kIssued;
  BOOST_TEST((window.admit("tok", "phone", 2, t) == DeviceWindow::Admit::New));
  BOOST_TEST((window.admit("tok", "laptop", 2, t + 1000) == DeviceWindow::Admit::New));
  BOOST_TEST((window.admit("tok", "tv", 2, t + 2000) == DeviceWindow::Admit::Refused));
  BOOST_TEST(window.active("tok", t + 2000) == 2u);
  for (TimeMs s = 3; s < 120; s += 4) {  // two minutes of segment requests from both
    BOOST_TEST((window.admit("tok", "phone", 2, t + s * 1000) == DeviceWindow::Admit::Ok));
    BOOST_TEST((window.admit("tok", "laptop", 2, t + s * 1000 + 500) == DeviceWindow::Admit::Ok));
    BOOST_TEST((window.admit("tok", "tv", 2, t + s * 1000 + 900) == DeviceWindow::Admit::Refused));
  }
  // Another token has its own count.
  BOOST_TEST((window.admit("other", "tv", 2, t + 2000) == DeviceWindow::Admit::New));
  BOOST_TEST(window.active("other", t + 2000) == 1u);
}

BOOST_AUTO_TEST_CASE(idle_device_expires_and_frees_its_slot) {
  DeviceWindow window(30'000);
  const TimeMs t = kIssued;
  BOOST_TEST((window.admit("tok", "phone", 1, t) == DeviceWindow::Admit::New));
  BOOST_TEST((window.admit("tok", "tv", 1, t + 29'999) == DeviceWindow::Admit::Refused));
  BOOST_TEST(window.active("tok", t + 29'999) == 1u);
  BOOST_TEST(window.active("tok", t + 30'000) == 0u);  // phone idle for the whole window
  BOOST_TEST((window.admit("tok", "tv", 1, t + 30'000) == DeviceWindow::Admit::New));
  // Now the phone is the new device, and refused.
  BOOST_TEST((window.admit("tok", "phone", 1, t + 31'000) == DeviceWindow::Admit::Refused));
}

BOOST_AUTO_TEST_CASE(limit_zero_is_unlimited) {
  DeviceWindow window(30'000);
  for (int i = 0; i < 50; ++i)
    BOOST_TEST((window.admit("tok", "device-" + std::to_string(i), 0, kIssued + i) == DeviceWindow::Admit::New));
  BOOST_TEST(window.active("tok", kIssued + 100) == 50u);
  BOOST_TEST((window.admit("tok", "device-7", 0, kIssued + 200) == DeviceWindow::Admit::Ok));
  // A lower limit applies to new devices only: the 50 active ones keep going.
  BOOST_TEST((window.admit("tok", "device-99", 3, kIssued + 300) == DeviceWindow::Admit::Refused));
  BOOST_TEST((window.admit("tok", "device-8", 3, kIssued + 300) == DeviceWindow::Admit::Ok));
}

BOOST_AUTO_TEST_CASE(forget_idle_bounds_memory) {
  DeviceWindow window(10'000);
  for (int i = 0; i < 100; ++i) window.admit("tok-" + std::to_string(i), "dev", 2, kIssued + i);
  window.admit("busy", "dev", 2, kIssued + 15'000);
  BOOST_TEST(window.tracked_tokens() == 101u);
  window.forget_idle(kIssued + 5'000);
  BOOST_TEST(window.tracked_tokens() == 101u);  // nothing idle yet
  window.forget_idle(kIssued + 20'000);
  BOOST_TEST(window.tracked_tokens() == 1u);
  BOOST_TEST(window.active("busy", kIssued + 20'000) == 1u);
  BOOST_TEST(window.active("tok-3", kIssued + 20'000) == 0u);
  // A refused device leaves no trace.
  window.admit("busy", "dev2", 1, kIssued + 20'000);
  BOOST_TEST(window.active("busy", kIssued + 20'000) == 1u);
}

// ---- domain control --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(same_authority_is_the_daemons_own_page) {
  BOOST_TEST(same_authority("http://127.0.0.1:8080/watch/abc?token=x", "127.0.0.1:8080"));
  BOOST_TEST(same_authority("http://Live.Example.com:8080", "live.example.com:8080"));
  BOOST_TEST(same_authority("https://[::1]:8080/watch/a", "[::1]:8080"));
  BOOST_TEST(same_authority("http://u@live.example.com/watch/a", "live.example.com"));
  BOOST_TEST(!same_authority("http://127.0.0.1:8081/watch/abc", "127.0.0.1:8080"));  // another port
  BOOST_TEST(!same_authority("http://live.example.com.evil.net/x", "live.example.com"));
  BOOST_TEST(!same_authority("http://customer.example/page", "127.0.0.1:8080"));
  BOOST_TEST(!same_authority("127.0.0.1:8080", "127.0.0.1:8080"));  // not a URL
  BOOST_TEST(!same_authority("http:///x", ""));
}

BOOST_AUTO_TEST_CASE(request_host_from_origin_and_referer) {
  BOOST_TEST(*request_host("https://Player.Example.COM") == "player.example.com");
  BOOST_TEST(*request_host("https://player.example.com:8443") == "player.example.com");
  BOOST_TEST(*request_host("https://www.example.com/watch/live?id=1#t") == "www.example.com");
  BOOST_TEST(*request_host("http://user:pw@example.com:80/x") == "example.com");
  BOOST_TEST(*request_host("https://example.com./page") == "example.com");
  BOOST_TEST(*request_host("http://127.0.0.1:8080/") == "127.0.0.1");
  BOOST_TEST(*request_host("http://[::1]:8080/player") == "::1");
  BOOST_TEST(*request_host("https://[2001:DB8::1]") == "2001:db8::1");
  BOOST_TEST(*request_host("https://example.com?x") == "example.com");
}

BOOST_AUTO_TEST_CASE(request_host_rejects_garbage) {
  for (const char* value : {"", "null", "example.com", "//example.com/x", "https://", "https:///path",
                            "https://exa mple.com", "https://example..com", "https://.example.com",
                            "https://example.com:80x", "http://[::1", "http://[zz::1]/", "1http://a.com",
                            "https://a.com:123456", "https://%65xample.com"})
    BOOST_TEST(!request_host(value), value);
}

BOOST_AUTO_TEST_CASE(exact_domains) {
  const std::vector<std::string> allowed = {"example.com", "Player.Partner.TV."};
  BOOST_TEST(domain_allowed("example.com", allowed));
  BOOST_TEST(domain_allowed("EXAMPLE.com", allowed));
  BOOST_TEST(domain_allowed("example.com.", allowed));
  BOOST_TEST(domain_allowed("player.partner.tv", allowed));
  BOOST_TEST(!domain_allowed("www.example.com", allowed));  // exact means exact
  BOOST_TEST(!domain_allowed("badexample.com", allowed));
  BOOST_TEST(!domain_allowed("example.com.evil.net", allowed));
  BOOST_TEST(!domain_allowed("", allowed));
  BOOST_TEST(!domain_allowed("example.com", {}));
}

BOOST_AUTO_TEST_CASE(wildcard_domains) {
  const std::vector<std::string> allowed = {"*.example.com"};
  BOOST_TEST(domain_allowed("a.example.com", allowed));
  BOOST_TEST(domain_allowed("a.b.example.com", allowed));
  BOOST_TEST(domain_allowed("A.Example.Com.", allowed));
  BOOST_TEST(!domain_allowed("example.com", allowed));  // the apex is not a subdomain
  BOOST_TEST(!domain_allowed("badexample.com", allowed));
  BOOST_TEST(!domain_allowed(".example.com", allowed));
  BOOST_TEST(!domain_allowed("a.example.com.evil.net", allowed));
  BOOST_TEST(!domain_allowed("example.org", allowed));
  // Apex and subdomains both: list both.
  const std::vector<std::string> both = {"example.com", "*.example.com"};
  BOOST_TEST(domain_allowed("example.com", both));
  BOOST_TEST(domain_allowed("www.example.com", both));
  // A bare "*" or "*." is not a wildcard for everything.
  const std::vector<std::string> odd = {"*", "*."};
  BOOST_TEST(!domain_allowed("example.com", odd));
}

BOOST_AUTO_TEST_CASE(origin_then_allowed_end_to_end) {
  const std::vector<std::string> allowed = {"*.example.com", "[::1]"};
  BOOST_TEST(domain_allowed(*request_host("https://cdn.player.example.com:443/embed"), allowed));
  BOOST_TEST(domain_allowed(*request_host("http://[::1]:8080/"), allowed));
  BOOST_TEST(!domain_allowed(*request_host("https://example.com/"), allowed));
}

BOOST_AUTO_TEST_CASE(domain_patterns_are_validated) {
  for (const char* good : {"example.com", "*.example.com", "localhost", "Example.COM.", "[::1]", "::1", "10.0.0.1"})
    BOOST_TEST(!domain_pattern_error(good), good);
  for (const char* bad : {"", "*", "*.", "https://example.com", "example.com/path", "a.*.example.com",
                          "example.com:8080", "exa mple.com", "example..com"}) {
    const auto error = domain_pattern_error(bad);
    BOOST_TEST(error.has_value(), bad);
  }
  BOOST_TEST(domain_pattern_error("https://example.com")->find("only the host name") != std::string::npos);
}
