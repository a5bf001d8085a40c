#include "io/self_signed.hpp"

#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "unit/support/temp_dir.hpp"

namespace strata::io {
namespace {

unsigned mode_of(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(SelfSigned, GeneratesWithPermissionsThenReuses) {
  test::TempDir tmp;
  std::string dir = tmp.file("state/nested");
  SelfSigned a = ensure_self_signed(dir);
  EXPECT_TRUE(a.generated);
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(a.key_file), 0600u);
  EXPECT_EQ(mode_of(a.cert_file), 0644u);
  EXPECT_EQ(a.spki_sha256.size(), 44u);  // base64 of 32 bytes
  EXPECT_EQ(a.spki_sha256.back(), '=');

  SelfSigned b = ensure_self_signed(dir);
  EXPECT_FALSE(b.generated);
  EXPECT_EQ(a.cert_file, b.cert_file);
  EXPECT_EQ(a.spki_sha256, b.spki_sha256);
  EXPECT_EQ(spki_sha256_base64(a.cert_file), a.spki_sha256);
}

TEST(SelfSigned, RegeneratesWhenUnreadable) {
  test::TempDir tmp;
  SelfSigned a = ensure_self_signed(tmp.path());
  { std::ofstream(a.cert_file, std::ios::trunc) << "garbage"; }
  SelfSigned b = ensure_self_signed(tmp.path());
  EXPECT_TRUE(b.generated);
  EXPECT_NE(a.spki_sha256, b.spki_sha256);
  EXPECT_FALSE(ensure_self_signed(tmp.path()).generated);
}

TEST(SelfSigned, RegeneratesWhenExpiringAndFixesKeyMode) {
  test::TempDir tmp;
  SelfSigned a = ensure_self_signed(tmp.path());
  CertSpec soon;
  soon.validity = std::chrono::hours(2);  // expires within a day
  write_self_signed(soon, a.cert_file, a.key_file);
  std::string short_lived = spki_sha256_base64(a.cert_file);
  SelfSigned b = ensure_self_signed(tmp.path());
  EXPECT_TRUE(b.generated);
  EXPECT_NE(b.spki_sha256, short_lived);

  ASSERT_EQ(::chmod(b.key_file.c_str(), 0644), 0);
  EXPECT_FALSE(ensure_self_signed(tmp.path()).generated);
  EXPECT_EQ(mode_of(b.key_file), 0600u);
}

TEST(SelfSigned, ErrorsNameThePath) {
  try {
    spki_sha256_base64("/nonexistent/strata.crt");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/strata.crt"), std::string::npos);
  }
  EXPECT_THROW(ensure_self_signed(""), std::runtime_error);
}

}  // namespace
}  // namespace strata::io
