// The remember table of 103 Early Hints (filter/early_hints_table.cpp): the
// LRU bound, forgetting, resizing, the process-wide registry, and which
// Link field values count as preload/preconnect hints.
#include <gtest/gtest.h>

#include "filter/early_hints_table.hpp"
#include "obs/metrics.hpp"

using namespace strata::filter;

namespace {
using Links = std::vector<std::string>;
}

TEST(LinkTable, BoundEvictsLeastRecentlyUsed) {
  LinkTable t(2);
  t.put("h/a", {"</a.css>; rel=preload"});
  t.put("h/b", {"</b.css>; rel=preload"});
  EXPECT_EQ(t.get("h/a"), Links{"</a.css>; rel=preload"});  // a is now the most recent
  t.put("h/c", {"</c.css>; rel=preload"});
  EXPECT_EQ(t.size(), 2u);
  EXPECT_TRUE(t.get("h/b").empty());  // evicted
  EXPECT_EQ(t.get("h/a").size(), 1u);
  EXPECT_EQ(t.get("h/c").size(), 1u);
}

TEST(LinkTable, EmptyForgetsAndReplaceUpdates) {
  LinkTable t(4);
  t.put("h/a", {"</1>; rel=preload"});
  t.put("h/a", {"</2>; rel=preload", "</3>; rel=preconnect"});
  EXPECT_EQ(t.get("h/a"), (Links{"</2>; rel=preload", "</3>; rel=preconnect"}));
  t.put("h/a", {});
  EXPECT_TRUE(t.get("h/a").empty());
  EXPECT_EQ(t.size(), 0u);
  t.put("h/unknown", {});
  EXPECT_EQ(t.size(), 0u);
}

TEST(LinkTable, SetMaxShrinks) {
  LinkTable t(3);
  for (const char* u : {"1", "2", "3"}) t.put(u, {"</x>; rel=preload"});
  t.set_max(1);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.get("3").size(), 1u);
}

TEST(LinkTable, RegistrySharesOneTablePerKey) {
  auto a = link_table("tbl/r1-test", 5);
  auto b = link_table("tbl/r1-test", 7);
  auto c = link_table("tbl/r2-test", 5);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  a->put("u", {"</x>; rel=preload"});
  EXPECT_EQ(b->get("u").size(), 1u);
}

TEST(LinkTable, MetricsCountHeldAndEvictedUrls) {
  strata::obs::Gauge urls;
  strata::obs::Counter evicted;
  LinkTable t(2, &urls, &evicted);
  for (const char* u : {"1", "2", "3"}) t.put(u, {"</x>; rel=preload"});
  EXPECT_EQ(urls.value(), 2);
  EXPECT_EQ(evicted.value(), 1u);
  t.put("3", {});  // forgotten, not evicted
  EXPECT_EQ(urls.value(), 1);
  EXPECT_EQ(evicted.value(), 1u);
  t.set_max(1);
  EXPECT_EQ(urls.value(), 1);
  EXPECT_EQ(evicted.value(), 1u);
}

TEST(LinkTable, RegistryTablesReportTheirMetrics) {
  auto t = link_table("tbl/metrics-test", 1);
  t->put("a", {"</x>; rel=preload"});
  t->put("b", {"</x>; rel=preload"});
  EXPECT_EQ(strata::obs::gauge("strata_early_hints_remembered_urls", "", {{"table", "tbl/metrics-test"}}).value(), 1);
  EXPECT_EQ(strata::obs::counter("strata_early_hints_evicted_total", "", {{"table", "tbl/metrics-test"}}).value(), 1u);
}

TEST(LinkTable, RegistryFreesATableNoRouteUses) {
  auto& urls = strata::obs::gauge("strata_early_hints_remembered_urls", "", {{"table", "tbl/removed-test"}});
  auto t = link_table("tbl/removed-test", 4);
  t->put("a", {"</x>; rel=preload"});
  std::weak_ptr<LinkTable> held = t;
  EXPECT_EQ(urls.value(), 1);
  auto again = link_table("tbl/removed-test", 4);  // a reload while the old route lives
  EXPECT_EQ(again, t);
  EXPECT_EQ(again->get("a").size(), 1u);
  t.reset();
  again.reset();  // the reload removed the route: no snapshot holds the table
  EXPECT_TRUE(held.expired());
  EXPECT_EQ(urls.value(), 0);
  auto fresh = link_table("tbl/removed-test", 4);  // the route comes back empty
  EXPECT_TRUE(fresh->get("a").empty());
}

TEST(PreloadLinks, KeepsPreloadModulepreloadPreconnectOnly) {
  Links out;
  preload_links(
      "</a.css>; rel=preload; as=style, </s.css>; rel=stylesheet, "
      "<https://cdn.example>; rel=\"preconnect\", </m.js>; rel=\"modulepreload prefetch\", "
      "</q,1.js>; title=\"a, b\"; REL=Preload; as=script, <x>; nonsense",
      out);
  EXPECT_EQ(out, (Links{"</a.css>; rel=preload; as=style", "<https://cdn.example>; rel=\"preconnect\"",
                        "</m.js>; rel=\"modulepreload prefetch\"",
                        "</q,1.js>; title=\"a, b\"; REL=Preload; as=script"}));
}

TEST(PreloadLinks, FirstRelDecidesAndBounds) {
  Links out;
  preload_links("</a>; rel=next; rel=preload", out);
  EXPECT_TRUE(out.empty());
  std::string many;
  for (int i = 0; i < 40; ++i) many += "</" + std::to_string(i) + ">; rel=preload,";
  preload_links(many, out);
  EXPECT_EQ(out.size(), kMaxRememberedLinks);
  Links big;
  preload_links("</" + std::string(2000, 'a') + ">; rel=preload, </ok>; rel=preload", big);
  EXPECT_EQ(big, Links{"</ok>; rel=preload"});
}
