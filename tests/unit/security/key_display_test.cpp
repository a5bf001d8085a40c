// security/key_display.hpp: credential keys hashed, others escaped and cut;
// and the rule table's listing, logs and lift() going through it.
#include "security/key_display.hpp"

#include <gtest/gtest.h>

#include "security/rule_table.hpp"

namespace strata::security {
namespace {

using namespace std::chrono_literals;

TEST(KeyDisplay, CredentialPartsMakeASecretKey) {
  EXPECT_TRUE(secret_key({{"client_ip", ""}, {"cookie", "session"}}));
  EXPECT_TRUE(secret_key({{"header", "authorization"}}));
  EXPECT_TRUE(secret_key({{"header", "x-api-key"}}));
  EXPECT_FALSE(secret_key({{"header", "user-agent"}, {"client_prefix", ""}}));
  EXPECT_FALSE(secret_key({{"jwt", "sub"}}));
}

TEST(KeyDisplay, SecretKeysShowAStableHashOnly) {
  const auto a = shown_key("Bearer abc.def", true);
  EXPECT_EQ(a.rfind("sha256:", 0), 0u);
  EXPECT_EQ(a.size(), 7u + 16u);
  EXPECT_EQ(a.find("abc"), std::string::npos);
  EXPECT_EQ(a, shown_key("Bearer abc.def", true));
  EXPECT_NE(a, shown_key("Bearer abc.deg", true));
  // SHA-256("abc") starts ba7816bf8f01cfea.
  EXPECT_EQ(shown_key("abc", true), "sha256:ba7816bf8f01cfea");
}

TEST(KeyDisplay, OtherKeysEscapedAndCut) {
  EXPECT_EQ(shown_key("10.0.0.0/24", false), "10.0.0.0/24");
  EXPECT_EQ(shown_key("a\nrule x penalty end\\", false), "a\\x0arule x penalty end\\x5c");
  EXPECT_EQ(shown_key(std::string_view("\x00\xff", 2), false), "\\x00\\xff");
  const std::string big(1000, 'k');
  const auto s = shown_key(big, false);
  EXPECT_EQ(s, std::string(kMaxShownKeyBytes, 'k') + "...(1000 bytes)");
}

TEST(KeyDisplay, NamesKeyByValueOrHash) {
  EXPECT_TRUE(names_key("tok", "tok", true));
  EXPECT_TRUE(names_key("tok", shown_key("tok", true), true));
  EXPECT_FALSE(names_key("tok", shown_key("tok", true), false));  // not secret: value only
  EXPECT_FALSE(names_key("tok", shown_key("other", true), true));
}

// A block rule over one key part: a penalty on the second event of a key.
config::Rule block_rule(std::string name, config::KeyPart part) {
  config::Rule r;
  r.name = std::move(name);
  r.threshold = 1;
  r.window = 60s;
  r.duration = 3600s;
  r.action = "block";
  r.key = {std::move(part)};
  return r;
}

TEST(KeyDisplay, RuleTableListsAndLiftsCredentialKeysByHash) {
  core::FakeClock clock;
  RuleTable t(block_rule("t-secret-key", {"header", "authorization"}), clock);
  t.count("Bearer s3cret");
  EXPECT_TRUE(t.count("Bearer s3cret"));
  auto list = t.penalties();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].key, shown_key("Bearer s3cret", true));
  EXPECT_EQ(list[0].key.find("s3cret"), std::string::npos);
  EXPECT_EQ(t.lift(list[0].key), 1u);  // the admin API names it by what it shows
  EXPECT_FALSE(t.penalized("Bearer s3cret"));
}

TEST(KeyDisplay, RuleTableEscapesPlainKeysInItsListing) {
  core::FakeClock clock;
  RuleTable t(block_rule("t-plain-key", {"header", "user-agent"}), clock);
  t.count("evil\r\nagent");
  EXPECT_TRUE(t.count("evil\r\nagent"));
  ASSERT_EQ(t.penalties().size(), 1u);
  EXPECT_EQ(t.penalties()[0].key, "evil\\x0d\\x0aagent");
  EXPECT_EQ(t.lift("evil\r\nagent"), 1u);  // the raw key still lifts
}

}  // namespace
}  // namespace strata::security
