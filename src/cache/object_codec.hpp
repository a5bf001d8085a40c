// The disk tier's file format for one cache::Object (cache/disk_tier.hpp).
// Little-endian, versioned, checksummed, laid out so that opening the tier
// reads only the fixed header and the metadata, never the body:
//
//   offset  size  field
//   0       4     magic "STO1"
//   4       1     flags (bit 0: invalidated; patched in place by a soft purge)
//   5       3     zero
//   8       4     meta_len
//   12      4     meta_crc   (CRC-32 of the metadata)
//   16      8     body_len
//   24      4     body_crc   (CRC-32 of the body)
//   28      4     zero
//   32      meta  key, url, vary, vary_star, status, headers, request_time,
//                 response_time (µs since the epoch), tags
//   32+meta body
//
// A file whose size is not 32 + meta_len + body_len, or whose checksums
// do not match, is torn or foreign and is never decoded into an Object.
// Pure functions; any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/object.hpp"

namespace strata::cache::codec {

inline constexpr std::size_t kHeaderSize = 32;
inline constexpr std::size_t kFlagsOffset = 4;
inline constexpr std::uint8_t kFlagInvalidated = 1;

// What the disk index keeps of an object (everything but head fields and body).
struct Meta {
  std::string key;
  std::string url;
  std::vector<Field> vary;
  bool vary_star = false;
  std::vector<std::string> tags;
  WallTime response_time{};
  bool invalidated = false;
  std::uint64_t file_bytes = 0;  // header + metadata + body
};

// The fixed header, decoded.
struct Header {
  std::uint8_t flags = 0;
  std::uint32_t meta_len = 0;
  std::uint32_t meta_crc = 0;
  std::uint64_t body_len = 0;
  std::uint32_t body_crc = 0;
  std::uint64_t file_bytes() const { return kHeaderSize + meta_len + body_len; }
};

// The whole file for `obj` (header, metadata, body).
std::string encode(const Object& obj);

// The header from the file's first kHeaderSize bytes; nullopt when the
// magic or the reserved bytes are wrong.
std::optional<Header> decode_header(std::string_view first32);

// The index entry from the header and the metadata bytes (exactly
// h.meta_len of them); nullopt when the checksum or the layout is wrong.
std::optional<Meta> decode_meta(const Header& h, std::string_view meta);

// The object from a whole file; nullopt when anything is wrong (size,
// checksums, layout).
std::optional<Object> decode(std::string_view file);

}  // namespace strata::cache::codec
