// Fuzzes the ClientHello PSK-identity reader (quic/client_hello.cpp): any
// bytes, never a read outside the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "quic/client_hello.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto id = strata::quic::psk_identity(in);
  if (!id.empty() && (id.data() < in.data() || id.data() + id.size() > in.data() + in.size()))
    __builtin_trap();
  return 0;
}
