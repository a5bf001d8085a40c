// bench/compression: CPU time per MiB and compression ratio of strata's
// streaming encoders (src/filter/compression) at every level, on a
// deterministic text/JSON corpus, fed the way the compression filter feeds
// them: 64 KiB pieces (the proxy's read size), each flushed. Prints one JSON
// object per line: {"codec","level","corpus","in","out","ratio","cpu_ms_per_mib"}.
// Built and run by bench/compression/run; not part of `make test`.
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "filter/compression/encoder.hpp"

using namespace strata::filter::compression;

namespace {

// A tiny deterministic generator (no dependence on the library's RNGs).
struct Lcg {
  std::uint64_t s;
  std::uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return std::uint32_t(s >> 33);
  }
  std::uint32_t below(std::uint32_t n) { return next() % n; }
};

const char* kWords[] = {"account", "order", "status", "active", "pending", "shipped", "customer",
                        "payment", "invoice", "total", "amount", "currency", "created", "updated",
                        "address", "street", "city", "country", "profile", "settings", "email",
                        "phone", "product", "price", "quantity", "discount", "review", "rating",
                        "comment", "message", "session", "token", "region", "warehouse"};
constexpr std::size_t kNWords = sizeof kWords / sizeof kWords[0];

// API responses: arrays of objects with repeated keys and varied values.
std::string json_corpus(std::size_t n) {
  Lcg r{42};
  std::string s = "[";
  while (s.size() < n) {
    char buf[512];
    const int k = std::snprintf(
        buf, sizeof buf,
        "{\"id\":%u,\"uuid\":\"%08x-%04x-%04x\",\"name\":\"%s %s\",\"email\":\"%s%u@example.com\","
        "\"status\":\"%s\",\"total\":%u.%02u,\"currency\":\"EUR\",\"items\":[{\"sku\":\"SKU-%05u\","
        "\"qty\":%u},{\"sku\":\"SKU-%05u\",\"qty\":%u}],\"created\":\"2026-%02u-%02uT%02u:%02u:%02uZ\"},",
        r.below(10000000), r.next(), r.below(65536), r.below(65536), kWords[r.below(kNWords)],
        kWords[r.below(kNWords)], kWords[r.below(kNWords)], r.below(1000),
        kWords[r.below(kNWords)], r.below(5000), r.below(100), r.below(100000), 1 + r.below(9),
        r.below(100000), 1 + r.below(9), 1 + r.below(12), 1 + r.below(28), r.below(24),
        r.below(60), r.below(60));
    s.append(buf, std::size_t(k));
  }
  s.resize(n);
  return s;
}

// HTML pages: markup around sentences drawn from the word list.
std::string html_corpus(std::size_t n) {
  Lcg r{7};
  std::string s = "<!doctype html><html><head><title>bench</title></head><body>\n";
  while (s.size() < n) {
    s += "<div class=\"card card-";
    s += kWords[r.below(kNWords)];
    s += "\"><h2>";
    s += kWords[r.below(kNWords)];
    s += "</h2><p>";
    const unsigned words = 8 + r.below(30);
    for (unsigned i = 0; i < words; ++i) {
      s += kWords[r.below(kNWords)];
      s += i + 1 < words ? " " : ".";
    }
    s += "</p><a href=\"/";
    s += kWords[r.below(kNWords)];
    s += "/" + std::to_string(r.below(100000)) + "\">more</a></div>\n";
  }
  s.resize(n);
  return s;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mib = 4;
  if (argc > 1) mib = std::size_t(std::atoi(argv[1]));
  const std::size_t n = mib << 20;
  const std::size_t piece = 64 * 1024;
  struct Corpus {
    const char* name;
    std::string data;
  } corpora[] = {{"json", json_corpus(n)}, {"html", html_corpus(n)}};
  struct Codec {
    Encoding e;
    int lo, hi;
  } codecs[] = {{Encoding::gzip, 1, 9}, {Encoding::br, 0, 11}, {Encoding::zstd, 1, 19}};
  std::string out;
  out.reserve(n);
  for (const auto& c : codecs) {
    for (int level = c.lo; level <= c.hi; ++level) {
      for (const auto& corpus : corpora) {
        // Repeat small runs so fast levels measure at least ~0.3 s.
        double cpu = 0;
        std::size_t out_bytes = 0, runs = 0;
        while (runs == 0 || (cpu < 0.3 && runs < 20)) {
          auto enc = make_encoder(c.e, level, std::nullopt);
          std::string piece_out;
          out_bytes = 0;
          const double t0 = thread_cpu_seconds();
          for (std::size_t pos = 0; pos < corpus.data.size(); pos += piece) {
            const std::size_t k = std::min(piece, corpus.data.size() - pos);
            const bool last = pos + k == corpus.data.size();
            piece_out.clear();
            if (!enc->encode(std::span<const char>(corpus.data.data() + pos, k),
                             last ? Encoder::Mode::finish : Encoder::Mode::flush, piece_out))
              return 1;
            out_bytes += piece_out.size();
          }
          cpu += thread_cpu_seconds() - t0;
          ++runs;
        }
        std::printf(
            "{\"codec\":\"%s\",\"level\":%d,\"corpus\":\"%s\",\"in\":%zu,\"out\":%zu,"
            "\"ratio\":%.3f,\"cpu_ms_per_mib\":%.2f}\n",
            std::string(encoding_name(c.e)).c_str(), level, corpus.name, corpus.data.size(),
            out_bytes, double(corpus.data.size()) / double(out_bytes),
            cpu / double(runs) * 1000.0 / double(mib));
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
