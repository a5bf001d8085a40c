#include "core/slab.hpp"

#include <algorithm>

namespace strata::core {

namespace {
constexpr std::size_t kAlign = 16;
}

Slab::Slab(std::size_t block_bytes)
    : block_((std::max(block_bytes, sizeof(FreeBlock)) + kAlign - 1) / kAlign * kAlign),
      per_chunk_(std::max<std::size_t>(1, kChunkBytes / block_)) {}

Slab::~Slab() {
  for (char* c : chunks_) ::operator delete(c, std::align_val_t(kAlign));
}

void* Slab::allocate() {
  std::lock_guard lock(mu_);
  if (free_) {
    FreeBlock* b = free_;
    free_ = b->next;
    ++live_;
    return b;
  }
  if (chunks_.empty() || carved_ == per_chunk_) {
    chunks_.reserve(chunks_.size() + 1);  // may throw before the chunk exists
    chunks_.push_back(static_cast<char*>(::operator new(per_chunk_ * block_, std::align_val_t(kAlign))));
    carved_ = 0;
  }
  ++live_;
  return chunks_.back() + block_ * carved_++;
}

void Slab::deallocate(void* p) noexcept {
  if (!p) return;
  std::lock_guard lock(mu_);
  auto* b = static_cast<FreeBlock*>(p);
  b->next = free_;
  free_ = b;
  if (--live_ != 0 || chunks_.size() <= 1) return;
  // The last block went: keep one chunk (a lone connection opening and
  // closing does not allocate a chunk each time), free the rest.
  for (std::size_t i = 1; i < chunks_.size(); ++i) ::operator delete(chunks_[i], std::align_val_t(kAlign));
  chunks_.resize(1);
  free_ = nullptr;
  carved_ = 0;
}

std::size_t Slab::live() const {
  std::lock_guard lock(mu_);
  return live_;
}

std::size_t Slab::chunks() const {
  std::lock_guard lock(mu_);
  return chunks_.size();
}

}  // namespace strata::core
