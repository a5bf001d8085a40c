#include "io/self_signed.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "io/openssl_util.hpp"

namespace strata::io {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::string e = ossl::drain_errors();
  throw std::runtime_error(e.empty() ? what : what + ": " + e);
}

std::string bio_string(BIO* b) {
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  return std::string(p, p && n > 0 ? std::size_t(n) : 0);
}

// Writes `data` to `path` with `mode` atomically (tmp + rename).
void write_file(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("tls: cannot create '" + tmp + "': " + std::strerror(errno));
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t off = 0;
  while (ok && off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ok = false;
    else off += std::size_t(n);
  }
  int err = errno;
  if (::close(fd) != 0 && ok) { ok = false; err = errno; }
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("tls: cannot write '" + path + "': " + std::strerror(err));
  }
}

void add_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  ossl::ExtPtr e(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!e || X509_add_ext(x, e.get(), -1) != 1) fail("tls: cannot add certificate extension " + value);
}

// Usable = both files parse, the key matches, and it stays valid > 1 day.
bool usable(const std::string& cert_file, const std::string& key_file) {
  auto cert = ossl::read_cert_pem(cert_file);
  auto key = ossl::read_key_pem(key_file);
  bool ok = cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
  if (ok) {
    std::time_t soon = std::time(nullptr) + 24 * 3600;
    ok = X509_cmp_time(X509_get0_notAfter(cert.get()), &soon) > 0;
  }
  ossl::drain_errors();
  return ok;
}

}  // namespace

void write_self_signed(const CertSpec& spec, const std::string& cert_file,
                       const std::string& key_file) {
  ossl::PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("tls: cannot generate a P-256 key");
  ossl::X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1) fail("tls: X509_new");

  std::unique_ptr<BIGNUM, ossl::Deleter<BN_free>> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get())))
    fail("tls: cannot make a certificate serial");
  if (!X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(x.get()), long(spec.validity.count())))
    fail("tls: cannot set certificate validity");
  if (X509_set_pubkey(x.get(), key.get()) != 1) fail("tls: X509_set_pubkey");

  X509_NAME* name = X509_get_subject_name(x.get());
  auto add_name = [&](const char* field, const std::string& v) {
    if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1,
                                   0) != 1)
      fail(std::string("tls: cannot set certificate ") + field);
  };
  add_name("O", "strata self-signed");
  add_name("CN", spec.common_name);
  if (X509_set_issuer_name(x.get(), name) != 1) fail("tls: X509_set_issuer_name");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  std::string san;
  for (const auto& d : spec.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : spec.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  if (!san.empty()) add_ext(x.get(), &ctx, NID_subject_alt_name, san);
  add_ext(x.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(x.get(), &ctx, NID_key_usage, "critical,digitalSignature");
  add_ext(x.get(), &ctx, NID_ext_key_usage, "serverAuth");
  add_ext(x.get(), &ctx, NID_subject_key_identifier, "hash");
  if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) fail("tls: cannot sign certificate");

  ossl::BioPtr kb(BIO_new(BIO_s_mem())), cb(BIO_new(BIO_s_mem()));
  if (!kb || !cb || PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                             nullptr) != 1 ||
      PEM_write_bio_X509(cb.get(), x.get()) != 1)
    fail("tls: cannot encode certificate/key as PEM");
  write_file(key_file, bio_string(kb.get()), 0600);
  write_file(cert_file, bio_string(cb.get()), 0644);
}

SelfSigned ensure_self_signed(const std::string& state_dir) {
  static std::mutex mu;
  std::lock_guard lk(mu);
  if (state_dir.empty()) throw std::runtime_error("tls: self_signed needs a state_dir");
  std::error_code ec;
  fs::path dir(state_dir);
  if (!fs::is_directory(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec)
      throw std::runtime_error("tls: cannot create state_dir '" + state_dir + "': " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) throw std::runtime_error("tls: cannot chmod '" + state_dir + "': " + ec.message());
  }
  SelfSigned r;
  r.cert_file = (dir / "self-signed.crt").string();
  r.key_file = (dir / "self-signed.key").string();
  if (!usable(r.cert_file, r.key_file)) {
    write_self_signed(CertSpec{}, r.cert_file, r.key_file);
    r.generated = true;
  } else if (::chmod(r.key_file.c_str(), 0600) != 0) {
    throw std::runtime_error("tls: cannot chmod '" + r.key_file + "': " + std::strerror(errno));
  }
  r.spki_sha256 = spki_sha256_base64(r.cert_file);
  return r;
}

std::string spki_sha256_base64(const std::string& cert_file) {
  auto cert = ossl::read_cert_pem(cert_file);
  if (!cert) fail("tls: cannot read certificate '" + cert_file + "'");
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
  if (len <= 0) fail("tls: cannot encode the public key of '" + cert_file + "'");
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(der, std::size_t(len), md);
  OPENSSL_free(der);
  unsigned char b64[64];
  int n = EVP_EncodeBlock(b64, md, sizeof md);
  return std::string(reinterpret_cast<char*>(b64), std::size_t(n));
}

}  // namespace strata::io
